// The second stage, as torchvision's RoIHeads (torchvision/models/detection/roi_heads.py): proposals plus
// the GT boxes matched at IoU 0.5, 512 RoIs sampled per image with at most a quarter positive; softmax
// cross-entropy over K + 1 classes (0 = background, mean over the sampled RoIs) and smooth L1 (beta 1/9) on
// the deltas of the GT class only (class-specific regression, coder weights 10, 10, 5, 5), summed over the
// positives and divided by the number sampled; the mask loss is per-pixel binary cross-entropy on the GT
// class's 28x28 channel of each positive RoI, against the GT mask cropped to the RoI by ROIAlign
// (Detectron2's crop: aligned, adaptive sampling, binarised at 0.5; torchvision keeps it soft).
import { tf } from '../../engine/tf.js';
import type { Rng } from '../../engine/random.js';
import { matchBoxes, sampleBalanced } from './matcher.js';
import { roiAlignPlain } from './roi-align.js';
import { bceWithLogits } from './rpn.js';
import type { Detections } from './types.js';
import { groupedNms } from './boxes.js';
import { boxCount, clipBoxes, decodeBoxes, encodeBoxes, smoothL1, takeBoxes, type CoderWeights } from './two-stage-boxes.js';

export interface RoiHeadOptions {
  fgIou: number;
  bgIou: number;
  batchPerImage: number;
  positiveFraction: number;
  /** Detections: keep class scores above this (torchvision's box_score_thresh). */
  scoreThreshold: number;
  /** Per-class NMS IoU at detection time. */
  nmsThreshold: number;
  /** The best this many detections per image (torchvision's box_detections_per_img). */
  detectionsPerImage: number;
}

/**
 * torchvision's maskrcnn_resnet50_fpn defaults, except the score threshold: 0.01 instead of 0.05 so that
 * low-scoring detections still reach the precision-recall curve of the AP evaluation.
 */
export const TORCHVISION_ROI_HEADS: RoiHeadOptions = {
  fgIou: 0.5,
  bgIou: 0.5,
  batchPerImage: 512,
  positiveFraction: 0.25,
  scoreThreshold: 0.01,
  nmsThreshold: 0.5,
  detectionsPerImage: 100,
};

/** The box head's coder weights (torchvision: 10, 10, 5, 5). */
export const BOX_CODER: CoderWeights = [10, 10, 5, 5];

/** GT of one image: boxes xyxy in input pixels, classes 0..K-1, optional instance masks [count, H, W] (0/1). */
export interface ImageTargets {
  boxes: ArrayLike<number>;
  classes: ArrayLike<number>;
  masks?: ArrayLike<number>;
}

/** The sampled RoIs of a batch, all images concatenated. */
export interface SampledRois {
  boxes: Float32Array;
  images: Int32Array;
  /** 0 = background, c + 1 for GT class c. */
  labels: Int32Array;
  /** Encoded deltas to the matched GT (zeros for background), [R * 4]. */
  targets: Float32Array;
  /** Index of the matched GT box within its image, -1 for background. */
  matched: Int32Array;
}

export function sampleRois(proposals: Float32Array[], gt: ImageTargets[], options: RoiHeadOptions, rng: Rng): SampledRois {
  const boxes: number[] = [];
  const images: number[] = [];
  const labels: number[] = [];
  const matchedAll: number[] = [];
  const targets: number[] = [];
  proposals.forEach((props, image) => {
    const g = gt[image]!;
    // torchvision's add_gt_proposals: the GT boxes are proposals too, so every GT has a positive RoI.
    const candidates = new Float32Array(props.length + g.boxes.length);
    candidates.set(props);
    candidates.set(Float32Array.from(g.boxes), props.length);
    const matches = matchBoxes(g.boxes, candidates, { highThreshold: options.fgIou, lowThreshold: options.bgIou, allowLowQuality: false });
    const { positive, negative } = sampleBalanced(matches, options.batchPerImage, options.positiveFraction, rng);
    const chosen = Int32Array.from([...positive, ...negative]);
    const roi = takeBoxes(candidates, chosen);
    const matchedGt = takeBoxes(g.boxes, Array.from(chosen, (i) => Math.max(matches[i]!, 0)));
    const deltas = encodeBoxes(matchedGt, roi, BOX_CODER);
    chosen.forEach((i, k) => {
      const isPositive = k < positive.length;
      boxes.push(...roi.subarray(4 * k, 4 * k + 4));
      images.push(image);
      labels.push(isPositive ? g.classes[matches[i]!]! + 1 : 0);
      matchedAll.push(isPositive ? matches[i]! : -1);
      targets.push(...(isPositive ? deltas.subarray(4 * k, 4 * k + 4) : [0, 0, 0, 0]));
    });
  });
  return {
    boxes: Float32Array.from(boxes),
    images: Int32Array.from(images),
    labels: Int32Array.from(labels),
    targets: Float32Array.from(targets),
    matched: Int32Array.from(matchedAll),
  };
}

/** fastrcnn_loss: class logits [R, K + 1] and class-specific deltas [R, (K + 1) * 4] against the sampled RoIs. */
export function boxHeadLoss(classLogits: tf.Tensor, boxDeltas: tf.Tensor, rois: SampledRois): { classification: tf.Scalar; box: tf.Scalar } {
  return tf.tidy(() => {
    const [r, classes] = classLogits.shape as [number, number];
    const oneHot = tf.oneHot(tf.tensor1d(rois.labels, 'int32'), classes);
    const classification = tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(classLogits)), 1)));
    // The deltas of each RoI's own GT class, picked by a one-hot product (tf.gather's gradient needs a kernel WASM lacks).
    const own = tf.sum(tf.mul(tf.reshape(boxDeltas, [r, classes, 4]), tf.expandDims(oneHot, 2)), 1);
    const positive = tf.tensor1d(Float32Array.from(rois.labels, (l) => (l > 0 ? 1 : 0)));
    const perRoi = tf.sum(smoothL1(tf.sub(own, tf.tensor2d(rois.targets, [r, 4])), 1 / 9), 1);
    const box = tf.div(tf.sum(tf.mul(perRoi, positive)), r);
    return { classification: classification as tf.Scalar, box: box as tf.Scalar };
  });
}

/**
 * Mask targets of the positive RoIs `which` (indices into `rois`) whose image has masks: each matched GT
 * mask cropped to the RoI and resized to size x size, binarised at 0.5. Returns the RoIs used and targets.
 */
export function maskTargets(rois: SampledRois, which: number[], gt: ImageTargets[], imageSize: [number, number], size: number): Float32Array {
  const [h, w] = imageSize;
  const out = new Float32Array(which.length * size * size);
  which.forEach((r, k) => {
    const masks = gt[rois.images[r]!]!.masks!;
    const g = rois.matched[r]!;
    const mask = (masks as Uint8Array | Float32Array | number[]).slice(g * h * w, (g + 1) * h * w);
    const crop = roiAlignPlain(mask, [h, w, 1], rois.boxes.subarray(4 * r, 4 * r + 4), 1, { outputSize: [size, size], samplingRatio: 0, aligned: true });
    for (let i = 0; i < crop.length; i++) out[k * size * size + i] = crop[i]! >= 0.5 ? 1 : 0;
  });
  return out;
}

/** maskrcnn_loss: mean binary cross-entropy of the GT class's channel of mask logits [P, M, M, K + 1]. */
export function maskLoss(maskLogits: tf.Tensor, labels: Int32Array, targets: Float32Array): tf.Scalar {
  return tf.tidy(() => {
    const [p, m, , classes] = maskLogits.shape as [number, number, number, number];
    const oneHot = tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), [p, 1, 1, classes]);
    const own = tf.sum(tf.mul(maskLogits, oneHot), 3);
    return tf.mean(bceWithLogits(own, tf.tensor3d(targets, [p, m, m]))) as tf.Scalar;
  });
}

/**
 * postprocess_detections: softmax scores, class-specific boxes decoded and clipped, background dropped,
 * scores <= threshold and boxes under 0.01 px dropped, NMS per class, the best `detectionsPerImage` kept.
 * `probabilities` [R, K + 1] and `deltas` [R, (K + 1) * 4] are values for the RoIs `proposals` of one image.
 */
export function postprocessDetections(
  probabilities: Float32Array,
  deltas: Float32Array,
  proposals: Float32Array,
  imageSize: [number, number],
  options: RoiHeadOptions,
): Detections {
  const r = boxCount(proposals);
  const classes = probabilities.length / Math.max(r, 1);
  const boxes: number[] = [];
  const scores: number[] = [];
  const labels: number[] = [];
  for (let c = 1; c < classes; c++) {
    const classDeltas = new Float32Array(4 * r);
    for (let i = 0; i < r; i++) classDeltas.set(deltas.subarray((i * classes + c) * 4, (i * classes + c) * 4 + 4), 4 * i);
    const decoded = clipBoxes(decodeBoxes(classDeltas, proposals, BOX_CODER), imageSize[0], imageSize[1]);
    for (let i = 0; i < r; i++) {
      const score = probabilities[i * classes + c]!;
      const bw = decoded[4 * i + 2]! - decoded[4 * i]!;
      const bh = decoded[4 * i + 3]! - decoded[4 * i + 1]!;
      if (!(score > options.scoreThreshold) || bw < 1e-2 || bh < 1e-2) continue;
      boxes.push(...decoded.subarray(4 * i, 4 * i + 4));
      scores.push(score);
      labels.push(c - 1);
    }
  }
  const all = Float32Array.from(boxes);
  const allScores = Float32Array.from(scores);
  const allLabels = Int32Array.from(labels);
  const keep = groupedNms(all, allScores, options.nmsThreshold, options.detectionsPerImage, allLabels);
  return {
    boxes: takeBoxes(all, keep),
    scores: Float32Array.from(keep, (i) => allScores[i]!),
    classes: Int32Array.from(keep, (i) => allLabels[i]!),
  };
}

/**
 * A size x size mask (probabilities) pasted into an H x W image inside `box`, thresholded at 0.5: each
 * pixel centre is mapped into the mask and sampled bilinearly with zeros outside (Detectron2's
 * paste_masks_in_image, grid_sample with align_corners=False).
 */
export function pasteMask(probabilities: ArrayLike<number>, size: number, box: ArrayLike<number>, imageSize: [number, number], out: Uint8Array, offset: number): void {
  const [h, w] = imageSize;
  const [x0, y0, x1, y1] = [box[0]!, box[1]!, box[2]!, box[3]!];
  const sx = size / Math.max(x1 - x0, 1e-6);
  const sy = size / Math.max(y1 - y0, 1e-6);
  const at = (yy: number, xx: number): number => (yy < 0 || yy >= size || xx < 0 || xx >= size ? 0 : probabilities[yy * size + xx]!);
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(h, Math.ceil(y1)); y++) {
    const v = (y + 0.5 - y0) * sy - 0.5;
    const v0 = Math.floor(v);
    const lv = v - v0;
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(w, Math.ceil(x1)); x++) {
      const u = (x + 0.5 - x0) * sx - 0.5;
      const u0 = Math.floor(u);
      const lu = u - u0;
      const p = (1 - lv) * ((1 - lu) * at(v0, u0) + lu * at(v0, u0 + 1)) + lv * ((1 - lu) * at(v0 + 1, u0) + lu * at(v0 + 1, u0 + 1));
      if (p >= 0.5) out[offset + y * w + x] = 1;
    }
  }
}
