// Semantic segmentation scores exactly as mmsegmentation computes them (open-mmlab/mmsegmentation,
// mmseg/evaluation/metrics/iou_metric.py, IoUMetric):
// - intersect_and_union, per image: pixels whose label is the ignore index are dropped from both the label
//   and the prediction; per class, area_intersect / area_pred_label / area_label are histograms
//   (torch.histc with bins = num_classes over [0, num_classes - 1], so a value outside 0..N-1 falls in no
//   bin: a prediction of 255 on a labelled pixel counts in area_label only), and
//   area_union = area_pred_label + area_label - area_intersect.
// - compute_metrics sums the four histograms over the WHOLE evaluation set before dividing
//   (total_area_to_metrics): IoU = intersect / union per class, aAcc = sum(intersect) / sum(label).
//   A class with union 0 (never labelled, never predicted) gets 0/0 = NaN and np.nanmean leaves it out
//   of mIoU; a class predicted but never labelled has union > 0 and intersect 0, so IoU 0, and counts.
// mmseg rounds the summary to 2 decimals for its log (np.round(... * 100, 2)); we keep full precision and
// round only when printing. Counts are float64: exact integers up to 2^53 pixels.

export interface SegmentationScores {
  /** Mean IoU over the classes with a non-zero union, in percent; NaN when there is none. */
  miou: number;
  /** mmseg's aAcc: correctly labelled pixels / labelled (non-ignored) pixels, in percent. */
  pixelAcc: number;
  /** IoU per class in percent; NaN for a class absent from both labels and predictions. */
  perClass: number[];
}

/** The four per-class histograms of intersect_and_union, summed over any number of images. */
export interface SegmentationAreas {
  intersect: Float64Array;
  union: Float64Array;
  predLabel: Float64Array;
  label: Float64Array;
}

/** mmseg's reduce_zero_label (LoadAnnotations): 0 ("other") becomes ignore, every other label drops by one, 255 stays 255. In place. */
export function reduceZeroLabel(label: Uint8Array): Uint8Array {
  // As mmseg: 0 -> 255, then minus 1 (255 -> 254), then 254 -> 255; so 0 and 255 both end as 255.
  for (let i = 0; i < label.length; i++) {
    const v = label[i]!;
    label[i] = v === 0 || v === 255 ? 255 : v - 1;
  }
  return label;
}

/** Streams images in and reports dataset-level scores (the histograms are summed before any division). */
export class IoUAccumulator {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  private readonly areas: SegmentationAreas;
  // Per-image integer counts, reused: cheaper than float64 increments in the pixel loop.
  private readonly scratch: Int32Array;

  constructor(numClasses: number, ignoreIndex = 255) {
    if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.areas = { intersect: new Float64Array(numClasses), union: new Float64Array(numClasses), predLabel: new Float64Array(numClasses), label: new Float64Array(numClasses) };
    this.scratch = new Int32Array(3 * numClasses);
  }

  /** Add one image: `pred` and `label` are class indices of the same H*W pixels, row-major. */
  add(pred: Int32Array | Uint8Array, label: Int32Array | Uint8Array): void {
    if (pred.length !== label.length) throw new RangeError(`prediction has ${pred.length} pixels, label ${label.length}`);
    const n = this.numClasses;
    const ignore = this.ignoreIndex;
    const counts = this.scratch;
    counts.fill(0);
    // counts[0..n): intersect, [n..2n): pred, [2n..3n): label.
    for (let i = 0; i < label.length; i++) {
      const l = label[i]!;
      if (l === ignore) continue;
      const p = pred[i]!;
      const pIn = p >= 0 && p < n;
      if (pIn) counts[n + p]!++;
      if (l >= 0 && l < n) {
        counts[2 * n + l]!++;
        if (p === l) counts[l]!++;
      }
    }
    const a = this.areas;
    for (let c = 0; c < n; c++) {
      const inter = counts[c]!;
      const pr = counts[n + c]!;
      const lb = counts[2 * n + c]!;
      a.intersect[c]! += inter;
      a.predLabel[c]! += pr;
      a.label[c]! += lb;
      a.union[c]! += pr + lb - inter;
    }
  }

  /** A copy of the summed histograms. */
  totals(): SegmentationAreas {
    const a = this.areas;
    return { intersect: a.intersect.slice(), union: a.union.slice(), predLabel: a.predLabel.slice(), label: a.label.slice() };
  }

  scores(): SegmentationScores {
    return areasToScores(this.areas);
  }
}

/** total_area_to_metrics for mIoU and aAcc, in percent. */
export function areasToScores(areas: SegmentationAreas): SegmentationScores {
  const perClass = Array.from(areas.intersect, (inter, c) => (100 * inter) / areas.union[c]!);
  let sum = 0;
  let count = 0;
  for (const v of perClass) {
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  const totalIntersect = areas.intersect.reduce((s, v) => s + v, 0);
  const totalLabel = areas.label.reduce((s, v) => s + v, 0);
  return { miou: count > 0 ? sum / count : NaN, pixelAcc: (100 * totalIntersect) / totalLabel, perClass };
}

/** Scores of one image on its own (the same as an accumulator holding only it). */
export function imageScores(pred: Int32Array | Uint8Array, label: Int32Array | Uint8Array, numClasses: number, ignoreIndex = 255): SegmentationScores {
  const acc = new IoUAccumulator(numClasses, ignoreIndex);
  acc.add(pred, label);
  return acc.scores();
}
