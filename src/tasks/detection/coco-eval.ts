// COCO bounding-box evaluation: a transcription of pycocotools' COCOeval for iouType 'bbox' with the default
// Params (cocodataset/cocoapi, PythonAPI/pycocotools/cocoeval.py at commit 8c9bcc3; "cocoeval.py:N" below
// is a line there). It reproduces the reference's results exactly, quirks included, because published COCO
// numbers are defined by this code rather than by a paper:
// - IoU without the +1 pixel, and a crowd ground truth scores intersection / detection area
//   (common/maskApi.c bbIou, lines 109-120);
// - per image and category only the 100 highest-scoring detections count, in a stable order;
// - a detection matched to a ground truth whose annotation id is 0 counts as unmatched, since the reference
//   stores the matched id and tests it for non-zero (cocoeval.py:295 and 375).
import { numpyMean } from './numpy-sum.js';

export type Box = readonly [number, number, number, number];

/** One ground-truth annotation, with the fields COCOeval reads. `area` is the annotation's own (segment) area. */
export interface CocoGroundTruth {
  id: number;
  imageId: number;
  categoryId: number;
  /** [x, y, w, h] */
  bbox: Box;
  area: number;
  iscrowd: boolean;
}

/** One entry of a COCO results file. */
export interface CocoDetection {
  imageId: number;
  categoryId: number;
  /** [x, y, w, h] */
  bbox: Box;
  score: number;
}

export interface CocoEvalInput {
  /** Every image of the ground truth: all of them are evaluated, with or without detections. */
  imageIds: readonly number[];
  categories: readonly { id: number; name: string }[];
  annotations: readonly CocoGroundTruth[];
  /** In results-file order: that order breaks ties between equal scores. */
  detections: readonly CocoDetection[];
}

export interface CocoClassAp {
  id: number;
  name: string;
  /** AP at IoU 0.50:0.95 in percent; null when the category has no (non-crowd) ground truth. */
  ap: number | null;
  /** AP at IoU 0.50 in percent; null as for `ap`. */
  ap50: number | null;
}

export interface CocoEvalResult {
  /** AP at IoU 0.50:0.95, area all, 100 detections, in percent (stats[0] x 100); null without any ground truth. */
  map: number | null;
  map50: number | null;
  map75: number | null;
  perClass: CocoClassAp[];
  /**
   * COCOeval.stats as summarize() prints them, as fractions with -1 for "no ground truth": AP, AP50, AP75,
   * AP small/medium/large, AR@1, AR@10, AR@100, AR small/medium/large.
   */
  stats: number[];
}

/** np.linspace(start, stop, num) with endpoint: i * step + start, the last value set to stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

// Params.setDetParams, cocoeval.py:502-511.
export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
export const RECALL_THRESHOLDS = linspace(0, 1, 101);
export const MAX_DETS = [1, 10, 100] as const;
export const AREA_RANGES = [
  { label: 'all', range: [0, 1e5 ** 2] },
  { label: 'small', range: [0, 32 ** 2] },
  { label: 'medium', range: [32 ** 2, 96 ** 2] },
  { label: 'large', range: [96 ** 2, 1e5 ** 2] },
] as const;

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETS.length;
const MAX_DET = MAX_DETS[M - 1];

/** maskApi.c bbIou for one pair of [x, y, w, h] boxes. */
export function cocoIou(dt: Box, gt: Box, crowd: boolean): number {
  const w = Math.min(dt[2] + dt[0], gt[2] + gt[0]) - Math.max(dt[0], gt[0]);
  if (w <= 0) return 0;
  const h = Math.min(dt[3] + dt[1], gt[3] + gt[1]) - Math.max(dt[1], gt[1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const da = dt[2] * dt[3];
  return inter / (crowd ? da : da + gt[2] * gt[3] - inter);
}

/** Indices ordered by descending score; equal scores keep their order (np.argsort(-s, kind='mergesort')). */
function byScoreStable(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => (scores[a]! > scores[b]! ? -1 : scores[a]! < scores[b]! ? 1 : a - b));
}

/** The detections and ground truth of one image and category, with their IoUs (computeIoU, cocoeval.py:163-189). */
interface Cell {
  gts: CocoGroundTruth[];
  /** The top MAX_DET detections by score, in that stable order. */
  dts: CocoDetection[];
  /** ious[d * G + g] against gts in their original order; empty when either side is. */
  ious: Float64Array;
}

function makeCell(gts: CocoGroundTruth[], allDts: CocoDetection[]): Cell {
  const dts = byScoreStable(allDts.map((d) => d.score)).slice(0, MAX_DET).map((i) => allDts[i]!);
  const G = gts.length;
  const ious = new Float64Array(G === 0 || dts.length === 0 ? 0 : dts.length * G);
  if (ious.length) dts.forEach((d, di) => gts.forEach((g, gi) => (ious[di * G + gi] = cocoIou(d.bbox, g.bbox, g.iscrowd))));
  return { gts, dts, ious };
}

const IGNORED = 0;
const TRUE_POSITIVE = 1;
const FALSE_POSITIVE = 2;

/** evaluateImg's result reduced to what accumulate() reads. */
interface ImageEval {
  scores: number[];
  /** outcome[t * D + d]: IGNORED, TRUE_POSITIVE or FALSE_POSITIVE of detection d at threshold t. */
  outcome: Uint8Array;
  /** Ground truths that are not ignored (count of gtIgnore == 0). */
  positives: number;
}

/** evaluateImg, cocoeval.py:235-313, for one image, category and area range; null when both lists are empty. */
function evaluateImage(cell: Cell, [lo, hi]: readonly [number, number]): ImageEval | null {
  const { gts, dts, ious } = cell;
  if (gts.length === 0 && dts.length === 0) return null;
  const G = gts.length;
  const D = dts.length;
  // cocoeval.py:107-109 and 250-254: crowd regions are ignored, and so is ground truth outside the area range.
  const ignoreOf = gts.map((g) => g.iscrowd || g.area < lo || g.area > hi);
  // cocoeval.py:257: a stable sort puts the ignored ground truth last.
  const gtOrder = [...gts.keys()].sort((a, b) => Number(ignoreOf[a]) - Number(ignoreOf[b]) || a - b);
  const gtIgnore = gtOrder.map((i) => ignoreOf[i]!);
  const crowd = gtOrder.map((i) => gts[i]!.iscrowd);
  const gtId = gtOrder.map((i) => gts[i]!.id);
  const outcome = new Uint8Array(T * D);
  const dtOutside = dts.map((d) => {
    const area = d.bbox[2] * d.bbox[3]; // loadRes sets a box result's area to w * h (coco.py:338)
    return area < lo || area > hi;
  });
  for (let t = 0; t < T; t++) {
    const gtMatched = new Uint8Array(G);
    for (let d = 0; d < D; d++) {
      let matchedId = 0;
      let matchedIgnored = false;
      if (ious.length) {
        // cocoeval.py:275-290: the best still-free ground truth at or above the threshold; crowd regions stay
        // free; once a regular ground truth is held, the ignored ones (sorted last) are not looked at.
        let best = Math.min(IOU_THRESHOLDS[t]!, 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < G; g++) {
          if (gtMatched[g] && !crowd[g]) continue;
          if (m > -1 && !gtIgnore[m] && gtIgnore[g]) break;
          const iou = ious[d * G + gtOrder[g]!]!;
          if (iou < best) continue;
          best = iou;
          m = g;
        }
        if (m > -1) {
          // cocoeval.py:294-296: the detection takes the ground truth's ignore flag.
          matchedIgnored = gtIgnore[m]!;
          matchedId = gtId[m]!;
          gtMatched[m] = 1;
        }
      }
      // cocoeval.py:298-299: an unmatched detection outside the area range is ignored too. "Unmatched" is
      // dtm == 0, the stored ground-truth id, as in the reference.
      const ignored = matchedIgnored || (matchedId === 0 && dtOutside[d]!);
      // cocoeval.py:375-376: tps = dtm & ~dtIg, fps = ~dtm & ~dtIg.
      outcome[t * D + d] = ignored ? IGNORED : matchedId !== 0 ? TRUE_POSITIVE : FALSE_POSITIVE;
    }
  }
  return { scores: dts.map((d) => d.score), outcome, positives: gtIgnore.filter((ig) => !ig).length };
}

/** Index of the first value >= x in ascending `sorted` (np.searchsorted(sorted, x, side='left')). */
function searchLeft(sorted: Float64Array, x: number, from: number): number {
  let i = from;
  while (i < sorted.length && sorted[i]! < x) i++;
  return i;
}

/**
 * accumulate(), cocoeval.py:353-410, for one category, area range and maxDet: fills precision[t, :, k, a, m]
 * and recall[t, k, a, m], leaving -1 when there is no non-ignored ground truth.
 */
function accumulateCell(evals: ImageEval[], maxDet: number, write: (t: number, recall: number, precision: Float64Array) => void): void {
  const positives = evals.reduce((n, e) => n + e.positives, 0);
  if (evals.length === 0 || positives === 0) return;
  // cocoeval.py:362-370: each image's first maxDet detections, pooled, in a stable descending score order.
  const pooled: { score: number; image: number; d: number }[] = [];
  evals.forEach((e, image) => e.scores.slice(0, maxDet).forEach((score, d) => pooled.push({ score, image, d })));
  const order = byScoreStable(pooled.map((p) => p.score)).map((i) => pooled[i]!);
  const nd = order.length;
  for (let t = 0; t < T; t++) {
    const rc = new Float64Array(nd);
    const pr = new Float64Array(nd);
    let tp = 0;
    let fp = 0;
    order.forEach(({ image, d }, i) => {
      const e = evals[image]!;
      const outcome = e.outcome[t * e.scores.length + d];
      if (outcome === TRUE_POSITIVE) tp++;
      else if (outcome === FALSE_POSITIVE) fp++;
      // cocoeval.py:384-385; np.spacing(1) is Number.EPSILON. Ignored detections repeat the previous point.
      rc[i] = tp / positives;
      pr[i] = tp / (fp + tp + Number.EPSILON);
    });
    // cocoeval.py:398-400: precision made monotone (non-increasing) from the right.
    for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
    // cocoeval.py:402-408: precision at the first point reaching each recall threshold; thresholds beyond
    // the last recall reached keep 0.
    const q = new Float64Array(R);
    let at = 0;
    for (let r = 0; r < R; r++) {
      at = searchLeft(rc, RECALL_THRESHOLDS[r]!, at);
      if (at >= nd) break;
      q[r] = pr[at]!;
    }
    write(t, nd ? rc[nd - 1]! : 0, q);
  }
}

/** Mean of the entries above -1 (summarize(), cocoeval.py:452-455), -1 when there are none. */
function meanOfPresent(values: number[]): number {
  const present = values.filter((v) => v > -1);
  return present.length === 0 ? -1 : numpyMean(present);
}

const percentOrNull = (v: number): number | null => (v > -1 ? v * 100 : null);

export function evaluateCoco(input: CocoEvalInput): CocoEvalResult {
  // COCOeval.__init__ and evaluate(): sorted unique image and category ids (cocoeval.py:80-81, 134-136).
  const imageIds = [...new Set(input.imageIds)].sort((a, b) => a - b);
  const categories = [...new Map(input.categories.map((c) => [c.id, c])).values()].sort((a, b) => a.id - b.id);
  const K = categories.length;
  const key = (imageId: number, categoryId: number): string => `${imageId}/${categoryId}`;
  const gtsOf = new Map<string, CocoGroundTruth[]>();
  const dtsOf = new Map<string, CocoDetection[]>();
  // _prepare, cocoeval.py:114-117: grouped by (image, category), each group in file order.
  const add = <V extends { imageId: number; categoryId: number }>(groups: Map<string, V[]>, item: V): void => {
    const k = key(item.imageId, item.categoryId);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  };
  for (const g of input.annotations) add(gtsOf, g);
  for (const d of input.detections) add(dtsOf, d);

  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const pIndex = (t: number, r: number, k: number, a: number, m: number): number => (((t * R + r) * K + k) * A + a) * M + m;
  const rIndex = (t: number, k: number, a: number, m: number): number => ((t * K + k) * A + a) * M + m;

  categories.forEach((category, k) => {
    const cells = imageIds.map((imageId) => makeCell(gtsOf.get(key(imageId, category.id)) ?? [], dtsOf.get(key(imageId, category.id)) ?? []));
    AREA_RANGES.forEach(({ range }, a) => {
      const evals = cells.map((cell) => evaluateImage(cell, range)).filter((e): e is ImageEval => e !== null);
      MAX_DETS.forEach((maxDet, m) =>
        accumulateCell(evals, maxDet, (t, rec, q) => {
          recall[rIndex(t, k, a, m)] = rec;
          q.forEach((v, r) => (precision[pIndex(t, r, k, a, m)] = v));
        }),
      );
    });
  });

  // summarize(), cocoeval.py:427-457: values gathered in the C order of precision[t, r, k] / recall[t, k].
  const thresholdIndex = (iou: number): number => {
    const t = IOU_THRESHOLDS.indexOf(iou); // np.where(iouThr == p.iouThrs): an exact float comparison
    if (t < 0) throw new Error(`IoU threshold ${iou} is not one of the evaluated thresholds`);
    return t;
  };
  const summarize = (ap: boolean, iouThr: number | null, area: string, maxDets: number): number => {
    const a = AREA_RANGES.findIndex((r) => r.label === area);
    const m = MAX_DETS.indexOf(maxDets as (typeof MAX_DETS)[number]);
    const ts = iouThr === null ? [...IOU_THRESHOLDS.keys()] : [thresholdIndex(iouThr)];
    const values: number[] = [];
    for (const t of ts) {
      if (ap) for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) values.push(precision[pIndex(t, r, k, a, m)]!);
      else for (let k = 0; k < K; k++) values.push(recall[rIndex(t, k, a, m)]!);
    }
    return meanOfPresent(values);
  };
  // _summarizeDets, cocoeval.py:458-472.
  const stats = [
    summarize(true, null, 'all', 100),
    summarize(true, 0.5, 'all', 100),
    summarize(true, 0.75, 'all', 100),
    summarize(true, null, 'small', 100),
    summarize(true, null, 'medium', 100),
    summarize(true, null, 'large', 100),
    summarize(false, null, 'all', 1),
    summarize(false, null, 'all', 10),
    summarize(false, null, 'all', 100),
    summarize(false, null, 'small', 100),
    summarize(false, null, 'medium', 100),
    summarize(false, null, 'large', 100),
  ];

  // Per category as detectron2's COCOEvaluator derives it: precision[:, :, k, area all, maxDets 100].
  const perClass = categories.map((c, k): CocoClassAp => {
    const all: number[] = [];
    for (let t = 0; t < T; t++) for (let r = 0; r < R; r++) all.push(precision[pIndex(t, r, k, 0, M - 1)]!);
    const at50 = all.slice(0, R);
    return { id: c.id, name: c.name, ap: percentOrNull(meanOfPresent(all)), ap50: percentOrNull(meanOfPresent(at50)) };
  });
  return { map: percentOrNull(stats[0]!), map50: percentOrNull(stats[1]!), map75: percentOrNull(stats[2]!), perClass, stats };
}
