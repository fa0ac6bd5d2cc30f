// Box utilities shared by the detectors, on host arrays (the matching and the post-processing run once per
// batch on a few thousand boxes; tensors would only add dispatch cost). Boxes are flat Float32Arrays,
// 4 numbers per box: corners [x0, y0, x1, y1] (no +1: a box's width is x1 - x0), centre form
// [cx, cy, w, h] for priors, or COCO's [x, y, w, h].
//
// intersect / iouMatrix / matchPriors / encodeOffsets / decodeOffsets follow amdegroot/ssd.pytorch
// layers/box_utils.py (`intersect`, `jaccard`, `match`, `encode`, `decode`), variances [0.1, 0.2] from its
// data/config.py, including match's two details: every ground truth keeps its best prior whatever the
// threshold (that prior's overlap is set to 2), and when two truths claim the same best prior the later one wins.
import type { Detections, PostprocessOptions } from './types.js';

/** SSD's offset variances (ssd.pytorch data/config.py 'variance'): centre offsets / 0.1, log sizes / 0.2. */
export const SSD_VARIANCES: readonly [number, number] = [0.1, 0.2];

export const DEFAULT_POSTPROCESS: PostprocessOptions = { scoreThreshold: 0.01, iouThreshold: 0.45, preNmsTopK: 200, maxDetections: 200 };

export function xywhToXyxy(boxes: ArrayLike<number>): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i]!;
    out[i + 1] = boxes[i + 1]!;
    out[i + 2] = boxes[i]! + boxes[i + 2]!;
    out[i + 3] = boxes[i + 1]! + boxes[i + 3]!;
  }
  return out;
}

export function xyxyToXywh(boxes: ArrayLike<number>): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i]!;
    out[i + 1] = boxes[i + 1]!;
    out[i + 2] = boxes[i + 2]! - boxes[i]!;
    out[i + 3] = boxes[i + 3]! - boxes[i + 1]!;
  }
  return out;
}

/** Centre form [cx, cy, w, h] to corners (ssd.pytorch `point_form`). */
export function centreToXyxy(boxes: ArrayLike<number>): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const [cx, cy, w, h] = [boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!];
    out.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], i);
  }
  return out;
}

/** IoU of every box in `a` with every box in `b` (corners), row-major [a.length/4, b.length/4]. Empty unions give 0. */
export function iouMatrix(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const n = a.length / 4;
  const m = b.length / 4;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const [ax0, ay0, ax1, ay1] = [a[i * 4]!, a[i * 4 + 1]!, a[i * 4 + 2]!, a[i * 4 + 3]!];
    const areaA = (ax1 - ax0) * (ay1 - ay0);
    for (let j = 0; j < m; j++) {
      const [bx0, by0, bx1, by1] = [b[j * 4]!, b[j * 4 + 1]!, b[j * 4 + 2]!, b[j * 4 + 3]!];
      const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0));
      const ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
      const inter = iw * ih;
      const union = areaA + (bx1 - bx0) * (by1 - by0) - inter;
      out[i * m + j] = union > 0 ? inter / union : 0;
    }
  }
  return out;
}

/** ssd.pytorch `encode`: corner boxes matched to centre-form priors -> offsets [dcx, dcy, dw, dh]. */
export function encodeOffsets(matched: ArrayLike<number>, priors: ArrayLike<number>, variances: readonly [number, number] = SSD_VARIANCES): Float32Array {
  const out = new Float32Array(priors.length);
  for (let i = 0; i < priors.length; i += 4) {
    const [pcx, pcy, pw, ph] = [priors[i]!, priors[i + 1]!, priors[i + 2]!, priors[i + 3]!];
    const [x0, y0, x1, y1] = [matched[i]!, matched[i + 1]!, matched[i + 2]!, matched[i + 3]!];
    out[i] = ((x0 + x1) / 2 - pcx) / (variances[0] * pw);
    out[i + 1] = ((y0 + y1) / 2 - pcy) / (variances[0] * ph);
    out[i + 2] = Math.log((x1 - x0) / pw) / variances[1];
    out[i + 3] = Math.log((y1 - y0) / ph) / variances[1];
  }
  return out;
}

/** ssd.pytorch `decode`: offsets relative to centre-form priors -> corner boxes. */
export function decodeOffsets(offsets: ArrayLike<number>, priors: ArrayLike<number>, variances: readonly [number, number] = SSD_VARIANCES): Float32Array {
  const out = new Float32Array(priors.length);
  for (let i = 0; i < priors.length; i += 4) {
    const [pcx, pcy, pw, ph] = [priors[i]!, priors[i + 1]!, priors[i + 2]!, priors[i + 3]!];
    const cx = pcx + offsets[i]! * variances[0] * pw;
    const cy = pcy + offsets[i + 1]! * variances[0] * ph;
    const w = pw * Math.exp(offsets[i + 2]! * variances[1]);
    const h = ph * Math.exp(offsets[i + 3]! * variances[1]);
    out.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], i);
  }
  return out;
}

export interface PriorMatch {
  /** Per prior, the offsets of the truth it is matched to (all zero when the image has no truths). */
  offsets: Float32Array;
  /** Per prior: 0 background, 1 + class of the matched truth otherwise. */
  labels: Int32Array;
  /** Per prior: the index of the truth it was matched to (-1 when there are no truths). */
  truthIndex: Int32Array;
}

/**
 * ssd.pytorch `match`: each prior takes the truth it overlaps most; those under `threshold` become
 * background, except that every truth keeps its own best prior (overlap forced to 2, the later truth
 * winning a shared prior). Offsets are encoded for every prior, as in the reference (the loss reads only
 * positives').
 */
export function matchPriors(threshold: number, truths: ArrayLike<number>, classes: ArrayLike<number>, priors: Float32Array, variances: readonly [number, number] = SSD_VARIANCES): PriorMatch {
  const numPriors = priors.length / 4;
  const numTruths = truths.length / 4;
  const labels = new Int32Array(numPriors);
  const truthIndex = new Int32Array(numPriors).fill(-1);
  if (numTruths === 0) return { offsets: new Float32Array(priors.length), labels, truthIndex };
  const overlaps = iouMatrix(truths, centreToXyxy(priors));
  const bestTruthOverlap = new Float32Array(numPriors).fill(-1);
  for (let t = 0; t < numTruths; t++) {
    for (let p = 0; p < numPriors; p++) {
      const o = overlaps[t * numPriors + p]!;
      if (o > bestTruthOverlap[p]!) {
        bestTruthOverlap[p] = o;
        truthIndex[p] = t;
      }
    }
  }
  for (let t = 0; t < numTruths; t++) {
    let best = 0;
    for (let p = 1; p < numPriors; p++) if (overlaps[t * numPriors + p]! > overlaps[t * numPriors + best]!) best = p;
    bestTruthOverlap[best] = 2;
    truthIndex[best] = t;
  }
  const matched = new Float32Array(priors.length);
  for (let p = 0; p < numPriors; p++) {
    const t = truthIndex[p]!;
    for (let k = 0; k < 4; k++) matched[p * 4 + k] = truths[t * 4 + k]!;
    labels[p] = bestTruthOverlap[p]! < threshold ? 0 : classes[t]! + 1;
  }
  return { offsets: encodeOffsets(matched, priors, variances), labels, truthIndex };
}

/**
 * Greedy NMS over one class: indices of the kept boxes, best score first. A box is suppressed when its IoU
 * with a kept box is above `iouThreshold` (as tf.image.nonMaxSuppression and torchvision.ops.nms).
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, candidates: readonly number[], iouThreshold: number, limit = Infinity): number[] {
  const order = [...candidates].sort((i, j) => scores[j]! - scores[i]! || i - j);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= limit) break;
    let suppressed = false;
    for (const k of kept) {
      if (pairIou(boxes, i, k) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  return kept;
}

/**
 * torchvision's batched_nms: greedy NMS within each group (a class, or an FPN level) independently, the
 * survivors of all groups in decreasing score order (ties: lower index first), the best `limit` of them.
 * Without `groups` it is one NMS over all boxes. Plain JavaScript, O(candidates x kept) per group: it also
 * serves Mask R-CNN, whose post-processing can hand it 1,000 proposals x 90 classes (tfjs's NMS kernel
 * on WASM failed there), and it suppresses only above the threshold as torchvision.ops.nms does
 * (tf.image.nonMaxSuppression suppresses at IoU >= threshold).
 */
export function groupedNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number, limit = Infinity, groups?: ArrayLike<number>): number[] {
  const members = new Map<number, number[]>();
  for (let i = 0; i < scores.length; i++) {
    const g = groups ? groups[i]! : 0;
    let list = members.get(g);
    if (!list) members.set(g, (list = []));
    list.push(i);
  }
  // A group never contributes more than `limit` to the overall best `limit`, so each NMS stops there.
  const kept: number[] = [];
  for (const list of members.values()) for (const i of nms(boxes, scores, list, iouThreshold, limit)) kept.push(i);
  kept.sort((i, j) => scores[j]! - scores[i]! || i - j);
  return kept.length > limit ? kept.slice(0, limit) : kept;
}

function pairIou(b: ArrayLike<number>, i: number, j: number): number {
  const iw = Math.max(0, Math.min(b[i * 4 + 2]!, b[j * 4 + 2]!) - Math.max(b[i * 4]!, b[j * 4]!));
  const ih = Math.max(0, Math.min(b[i * 4 + 3]!, b[j * 4 + 3]!) - Math.max(b[i * 4 + 1]!, b[j * 4 + 1]!));
  const inter = iw * ih;
  const union = (b[i * 4 + 2]! - b[i * 4]!) * (b[i * 4 + 3]! - b[i * 4 + 1]!) + (b[j * 4 + 2]! - b[j * 4]!) * (b[j * 4 + 3]! - b[j * 4 + 1]!) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Per-class NMS for one image. `boxes`: [n, 4] corners shared by all classes (SSD, YOLO); `scores`:
 * [n, numClasses] row-major, object classes only. Candidates scoring above scoreThreshold, the best
 * preNmsTopK per class, go through NMS; the best maxDetections over all classes are kept. Boxes are
 * clipped to [0, width] x [0, height] first.
 */
export function batchedNms(boxes: Float32Array, scores: Float32Array, numClasses: number, imageSize: [number, number], options: Partial<PostprocessOptions> = {}): Detections {
  const o = { ...DEFAULT_POSTPROCESS, ...options };
  const [height, width] = imageSize;
  const n = boxes.length / 4;
  const clipped = new Float32Array(boxes.length);
  for (let i = 0; i < n; i++) {
    clipped[i * 4] = Math.min(width, Math.max(0, boxes[i * 4]!));
    clipped[i * 4 + 1] = Math.min(height, Math.max(0, boxes[i * 4 + 1]!));
    clipped[i * 4 + 2] = Math.min(width, Math.max(0, boxes[i * 4 + 2]!));
    clipped[i * 4 + 3] = Math.min(height, Math.max(0, boxes[i * 4 + 3]!));
  }
  const found: { box: number; score: number; cls: number }[] = [];
  const classScores = new Float32Array(n);
  for (let c = 0; c < numClasses; c++) {
    const candidates: number[] = [];
    for (let i = 0; i < n; i++) {
      classScores[i] = scores[i * numClasses + c]!;
      if (classScores[i]! > o.scoreThreshold) candidates.push(i);
    }
    if (candidates.length === 0) continue;
    candidates.sort((i, j) => classScores[j]! - classScores[i]! || i - j);
    const top = candidates.slice(0, o.preNmsTopK);
    for (const i of nms(clipped, classScores, top, o.iouThreshold)) found.push({ box: i, score: classScores[i]!, cls: c });
  }
  found.sort((p, q) => q.score - p.score || p.cls - q.cls || p.box - q.box);
  const keep = found.slice(0, o.maxDetections);
  const out: Detections = { boxes: new Float32Array(keep.length * 4), scores: new Float32Array(keep.length), classes: new Int32Array(keep.length) };
  keep.forEach((d, k) => {
    out.boxes.set(clipped.subarray(d.box * 4, d.box * 4 + 4), k * 4);
    out.scores[k] = d.score;
    out.classes[k] = d.cls;
  });
  return out;
}
