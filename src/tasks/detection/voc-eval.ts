// PASCAL VOC detection AP at IoU 0.5: a transcription of voc_eval.py (rbgirshick/py-faster-rcnn,
// lib/datasets/voc_eval.py at 45e0da9, Bharath Hariharan's port of the devkit's VOCevaldet.m), the code
// SSD-style papers report VOC07 mAP with. Where the two references differ this follows voc_eval.py, and says so:
// - a detection is a true positive only when its best IoU is strictly above 0.5 (`ovmax > ovthresh`;
//   VOCevaldet.m has `ovmax >= VOCopts.minoverlap`);
// - equal scores keep their file order (a stable sort, as MATLAB's sort in VOCevaldet.m; voc_eval.py's
//   np.argsort defaults to an unstable quicksort, so its tie order is unspecified);
// - precision is tp / max(tp + fp, eps) (the guard Detectron's voc_eval.py adds; without it a detection
//   of a difficult object first gives 0/0; with or without it the AP is the same).
import { numpyMean, numpySum } from './numpy-sum.js';

/** [xmin, ymin, xmax, ymax] in VOC's 1-based inclusive pixel coordinates. */
export type VocBox = readonly [number, number, number, number];

export interface VocObject {
  box: VocBox;
  difficult: boolean;
}

export interface VocDetection {
  imageId: string;
  score: number;
  box: VocBox;
}

export interface VocClassResult {
  /** AP as a fraction; null when the class has no non-difficult object (its AP is undefined). */
  ap: number | null;
  /** Non-difficult objects of the class. */
  positives: number;
  /** Recall and precision after each detection, in score order. */
  recall: Float64Array;
  precision: Float64Array;
}

/** The VOC overlap with the +1-pixel convention: boxes are inclusive pixel ranges (voc_eval.py, "compute overlaps"). */
export function vocIou(det: VocBox, gt: VocBox): number {
  const iw = Math.max(Math.min(gt[2], det[2]) - Math.max(gt[0], det[0]) + 1, 0);
  const ih = Math.max(Math.min(gt[3], det[3]) - Math.max(gt[1], det[1]) + 1, 0);
  const inter = iw * ih;
  const union = (det[2] - det[0] + 1) * (det[3] - det[1] + 1) + (gt[2] - gt[0] + 1) * (gt[3] - gt[1] + 1) - inter;
  return inter / union;
}

/**
 * voc_ap: with `use07`, the VOC2007 11-point AP (the mean over t = 0, 0.1, ..., 1 of the best precision at
 * recall >= t, with t as np.arange(0., 1.1, 0.1) makes it, i * 0.1); otherwise the area under the
 * monotone precision envelope, summed where recall changes (VOC2010 onwards, VOCap.m).
 */
export function vocAp(recall: ArrayLike<number>, precision: ArrayLike<number>, use07: boolean): number {
  const n = recall.length;
  if (use07) {
    let ap = 0;
    for (let i = 0; i <= 10; i++) {
      const t = i * 0.1;
      let p = 0;
      let any = false;
      for (let j = 0; j < n; j++) {
        if (recall[j]! >= t) {
          p = any ? Math.max(p, precision[j]!) : precision[j]!;
          any = true;
        }
      }
      ap = ap + p / 11;
    }
    return ap;
  }
  const mrec = [0, ...Array.from(recall), 1];
  const mpre = [0, ...Array.from(precision), 0];
  for (let i = mpre.length - 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1]!, mpre[i]!);
  const terms: number[] = [];
  for (let i = 0; i + 1 < mrec.length; i++) if (mrec[i + 1] !== mrec[i]) terms.push((mrec[i + 1]! - mrec[i]!) * mpre[i + 1]!);
  return numpySum(terms);
}

/** Descending score order for a sort comparator (safe for infinite scores, unlike a subtraction). */
const byScore = (a: number, b: number): number => (a > b ? -1 : a < b ? 1 : 0);

/**
 * voc_eval for one class. `objects` maps every image of the split to its objects of this class (an image
 * without any is an empty list); every detection's image must be one of them.
 */
export function evaluateVocClass(objects: ReadonlyMap<string, readonly VocObject[]>, detections: readonly VocDetection[], use07: boolean): VocClassResult {
  let positives = 0;
  const taken = new Map<string, boolean[]>();
  for (const [id, objs] of objects) {
    positives += objs.filter((o) => !o.difficult).length;
    taken.set(id, objs.map(() => false));
  }
  const order = [...detections.keys()].sort((a, b) => byScore(detections[a]!.score, detections[b]!.score) || a - b);
  const nd = order.length;
  const recall = new Float64Array(nd);
  const precision = new Float64Array(nd);
  let tp = 0;
  let fp = 0;
  order.forEach((index, i) => {
    const det = detections[index]!;
    const objs = objects.get(det.imageId);
    const found = taken.get(det.imageId);
    if (!objs || !found) throw new Error(`detection for image '${det.imageId}', which is not in the evaluated set`);
    // The best overlap over ALL objects of the class in the image, taken or not, difficult or not; the
    // first of equal overlaps wins (np.argmax).
    let ovmax = -Infinity;
    let jmax = -1;
    objs.forEach((o, j) => {
      const ov = vocIou(det.box, o.box);
      if (ov > ovmax) {
        ovmax = ov;
        jmax = j;
      }
    });
    if (ovmax > 0.5) {
      if (!objs[jmax]!.difficult) {
        // A second detection of an object already found is a false positive, even when another, unfound
        // object overlaps it less.
        if (!found[jmax]) {
          tp++;
          found[jmax] = true;
        } else fp++;
      }
      // A detection of a difficult object counts neither way.
    } else fp++;
    recall[i] = tp / positives;
    precision[i] = tp / Math.max(tp + fp, Number.EPSILON);
  });
  return { ap: positives > 0 ? vocAp(recall, precision, use07) : null, positives, recall, precision };
}

export interface VocEvalInput {
  classNames: readonly string[];
  /** Every image of the split, with its objects: [class index, box, difficult]. */
  images: ReadonlyMap<string, readonly { classIndex: number; box: VocBox; difficult: boolean }[]>;
  /** detections[c]: the results file of class c, in file order. */
  detections: readonly (readonly VocDetection[])[];
}

export interface VocEvalResult {
  /** Mean AP@0.5 in percent over the classes with objects; null when none has any. */
  map50: number | null;
  perClass: { name: string; ap50: number | null; positives: number }[];
}

export function evaluateVoc(input: VocEvalInput, use07: boolean): VocEvalResult {
  const perClass = input.classNames.map((name, c) => {
    const objects = new Map<string, VocObject[]>();
    for (const [id, objs] of input.images) objects.set(id, objs.filter((o) => o.classIndex === c).map(({ box, difficult }) => ({ box, difficult })));
    const result = evaluateVocClass(objects, input.detections[c] ?? [], use07);
    return { name, ap: result.ap, positives: result.positives };
  });
  // do_python_eval prints np.mean(aps); a class without objects has no AP and is left out of the mean.
  const aps = perClass.map((c) => c.ap).filter((ap): ap is number => ap !== null);
  return {
    map50: aps.length ? numpyMean(aps) * 100 : null,
    perClass: perClass.map(({ name, ap, positives }) => ({ name, ap50: ap === null ? null : ap * 100, positives })),
  };
}
