// The region proposal network's targets, loss and proposals, as torchvision's RegionProposalNetwork
// (torchvision/models/detection/rpn.py): anchors matched at IoU 0.7 / 0.3 with low-quality matches kept,
// 256 anchors sampled per image with at most half positive, binary cross-entropy on the objectness of the
// sampled anchors (mean) plus smooth L1 (beta 1/9) on the positives' deltas summed and divided by the
// number sampled. Proposals: top-n per level by objectness, decoded, clipped, tiny boxes removed, NMS 0.7
// per level, the best post-n kept. They are constants (no gradient), as the references detach them.
import { tf } from '../../engine/tf.js';
import type { Rng } from '../../engine/random.js';
import { matchBoxes, sampleBalanced } from './matcher.js';
import { groupedNms } from './boxes.js';
import { boxCount, clipBoxes, decodeBoxes, encodeBoxes, smoothL1, takeBoxes, type CoderWeights } from './two-stage-boxes.js';

export interface RpnOptions {
  fgIou: number;
  bgIou: number;
  batchPerImage: number;
  positiveFraction: number;
  preNmsTopN: { train: number; test: number };
  postNmsTopN: { train: number; test: number };
  nmsThreshold: number;
  minSize: number;
}

/** torchvision's maskrcnn_resnet50_fpn defaults. */
export const TORCHVISION_RPN: RpnOptions = {
  fgIou: 0.7,
  bgIou: 0.3,
  batchPerImage: 256,
  positiveFraction: 0.5,
  preNmsTopN: { train: 2000, test: 1000 },
  postNmsTopN: { train: 2000, test: 1000 },
  nmsThreshold: 0.7,
  minSize: 1e-3,
};

/** The RPN's box coder weights (torchvision: 1, 1, 1, 1). */
export const RPN_CODER: CoderWeights = [1, 1, 1, 1];

/** Per-anchor loss weights and targets for a batch, flat over [N, A] (A = all levels' anchors). */
export interface RpnTargets {
  /** 1 / (number sampled in the batch) for sampled anchors, 0 elsewhere. */
  objectnessWeight: Float32Array;
  /** 1 for positives, 0 otherwise. */
  objectnessLabel: Float32Array;
  /** 1 / (number sampled) for sampled positives, 0 elsewhere. */
  boxWeight: Float32Array;
  /** Encoded deltas of each positive anchor to its GT, [N * A * 4]. */
  boxTarget: Float32Array;
  positives: number;
  sampled: number;
}

export function rpnTargets(anchors: Float32Array, gtBoxes: ArrayLike<number>[], options: RpnOptions, rng: Rng): RpnTargets {
  const a = boxCount(anchors);
  const n = gtBoxes.length;
  const objectnessWeight = new Float32Array(n * a);
  const objectnessLabel = new Float32Array(n * a);
  const boxWeight = new Float32Array(n * a);
  const boxTarget = new Float32Array(n * a * 4);
  const chosen: { image: number; positive: Int32Array; negative: Int32Array; matches: Int32Array }[] = [];
  let sampled = 0;
  for (let image = 0; image < n; image++) {
    const matches = matchBoxes(gtBoxes[image]!, anchors, { highThreshold: options.fgIou, lowThreshold: options.bgIou, allowLowQuality: true });
    const { positive, negative } = sampleBalanced(matches, options.batchPerImage, options.positiveFraction, rng);
    chosen.push({ image, positive, negative, matches });
    sampled += positive.length + negative.length;
  }
  let positives = 0;
  const w = sampled > 0 ? 1 / sampled : 0;
  for (const { image, positive, negative, matches } of chosen) {
    const base = image * a;
    for (const i of negative) objectnessWeight[base + i] = w;
    if (positive.length === 0) continue;
    positives += positive.length;
    const matched = takeBoxes(gtBoxes[image]!, Array.from(positive, (i) => matches[i]!));
    const deltas = encodeBoxes(matched, takeBoxes(anchors, positive), RPN_CODER);
    positive.forEach((i, k) => {
      objectnessWeight[base + i] = w;
      objectnessLabel[base + i] = 1;
      boxWeight[base + i] = w;
      boxTarget.set(deltas.subarray(4 * k, 4 * k + 4), 4 * (base + i));
    });
  }
  return { objectnessWeight, objectnessLabel, boxWeight, boxTarget, positives, sampled };
}

/** Binary cross-entropy with logits, elementwise, in the numerically stable form. */
export function bceWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** The two RPN losses: objectness [N, A] logits and deltas [N, A, 4] against `targets`. */
export function rpnLoss(objectness: tf.Tensor, deltas: tf.Tensor, targets: RpnTargets): { objectness: tf.Scalar; box: tf.Scalar } {
  return tf.tidy(() => {
    const [n, a] = objectness.shape as [number, number];
    const logits = tf.reshape(objectness, [n * a]);
    const obj = tf.sum(tf.mul(bceWithLogits(logits, tf.tensor1d(targets.objectnessLabel)), tf.tensor1d(targets.objectnessWeight)));
    const diff = tf.sub(tf.reshape(deltas, [n * a, 4]), tf.tensor2d(targets.boxTarget, [n * a, 4]));
    const box = tf.sum(tf.mul(tf.sum(smoothL1(diff, 1 / 9), 1), tf.tensor1d(targets.boxWeight)));
    return { objectness: obj as tf.Scalar, box: box as tf.Scalar };
  });
}

/**
 * Proposals per image from per-level objectness [N, A_l] and deltas [N, A_l, 4] (values only: nothing
 * here is differentiated) and each level's anchors.
 */
export function rpnProposals(
  objectness: tf.Tensor[],
  deltas: tf.Tensor[],
  anchors: Float32Array[],
  imageSize: [number, number],
  training: boolean,
  options: RpnOptions,
): Float32Array[] {
  const n = objectness[0]!.shape[0]!;
  const preN = training ? options.preNmsTopN.train : options.preNmsTopN.test;
  const postN = training ? options.postNmsTopN.train : options.postNmsTopN.test;
  // Per image, per level: the top-k logits, their deltas and anchors.
  const candidates: { boxes: number[]; scores: number[]; levels: number[] }[] = Array.from({ length: n }, () => ({ boxes: [], scores: [], levels: [] }));
  objectness.forEach((obj, level) => {
    const a = obj.shape[1]!;
    const k = Math.min(preN, a);
    let values: Float32Array = new Float32Array(0);
    let indices: Int32Array = new Int32Array(0);
    let picked: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      const top = tf.topk(obj, k, true);
      values = top.values.dataSync() as Float32Array;
      indices = top.indices.dataSync() as Int32Array;
      const flat = tf.add(top.indices, tf.mul(tf.reshape(tf.range(0, n, 1, 'int32'), [n, 1]), tf.scalar(a, 'int32')));
      picked = tf.gather(tf.reshape(deltas[level]!, [n * a, 4]), tf.reshape(flat, [-1])).dataSync() as Float32Array;
    });
    for (let image = 0; image < n; image++) {
      const rows = indices.subarray(image * k, (image + 1) * k);
      const boxes = clipBoxes(decodeBoxes(picked.subarray(image * k * 4, (image + 1) * k * 4), takeBoxes(anchors[level]!, rows), RPN_CODER), imageSize[0], imageSize[1]);
      const c = candidates[image]!;
      for (let j = 0; j < k; j++) {
        const w = boxes[4 * j + 2]! - boxes[4 * j]!;
        const h = boxes[4 * j + 3]! - boxes[4 * j + 1]!;
        if (!(w >= options.minSize && h >= options.minSize)) continue;
        c.boxes.push(boxes[4 * j]!, boxes[4 * j + 1]!, boxes[4 * j + 2]!, boxes[4 * j + 3]!);
        c.scores.push(1 / (1 + Math.exp(-values[image * k + j]!)));
        c.levels.push(level);
      }
    }
  });
  return candidates.map((c) => {
    const boxes = Float32Array.from(c.boxes);
    return takeBoxes(boxes, groupedNms(boxes, c.scores, options.nmsThreshold, postN, c.levels));
  });
}
