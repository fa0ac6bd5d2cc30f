// SSD's MultiBox loss, as amdegroot/ssd.pytorch layers/modules/multibox_loss.py (Liu et al. 2016, eq. 1):
// smooth-L1 (beta 1) on the offsets of positive priors, softmax cross-entropy on the positives and on the
// hardest negatives (3 per positive per image, at most numPriors - 1), both summed over the batch and
// divided by the number of positives N; alpha = 1. The priors were matched on the host (boxes.matchPriors).
//
// Hard-negative mining picks priors by their current confidence loss, a selection with no gradient of its
// own (the reference ranks loss_c computed from .data); here the ranking reads the loss values back to the
// host and the chosen set enters the graph as a constant mask. One deliberate difference: a batch with no
// positives divides by 1 instead of 0 (the reference gives NaN); it mines no negatives either, so its loss is 0.
import { tf } from '../../engine/tf.js';

export const NEG_POS_RATIO = 3;

export interface MultiboxTargets {
  /** [N, P, 4] encoded offsets of each prior's matched truth. */
  offsets: tf.Tensor3D;
  /** [N, P] int32: 0 background, 1 + class for positives. */
  labels: tf.Tensor2D;
}

export interface MultiboxLoss {
  total: tf.Scalar;
  loc: tf.Scalar;
  conf: tf.Scalar;
  /** Host-side: positives and mined negatives per image (for tests and logging). */
  positives: number[];
  negatives: number[];
}

/**
 * Elementwise smooth-L1 with beta 1 (PyTorch's default): 0.5 d^2 where |d| < 1, |d| - 0.5 elsewhere. Written
 * as 0.5 m^2 + (|d| - m) with m = min(|d|, 1), the same function, because tfjs has no gradient for the
 * comparison a tf.where would need.
 */
export function smoothL1(d: tf.Tensor): tf.Tensor {
  const a = tf.abs(d);
  const m = tf.minimum(a, 1);
  return tf.add(tf.mul(0.5, tf.square(m)), tf.sub(a, m));
}

/**
 * Which priors count as negatives for the confidence loss, per image: the `ratio * positives` non-positive
 * priors (at most P - 1) with the largest loss. `loss` and `labels` are [N * P] row-major.
 */
export function mineHardNegatives(loss: ArrayLike<number>, labels: ArrayLike<number>, n: number, p: number, ratio = NEG_POS_RATIO): { mask: Float32Array; positives: number[]; negatives: number[] } {
  const mask = new Float32Array(n * p);
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let b = 0; b < n; b++) {
    let pos = 0;
    for (let i = 0; i < p; i++) if (labels[b * p + i]! > 0) pos++;
    const wanted = Math.min(ratio * pos, p - 1);
    // Positives rank with loss 0 (the reference zeroes them before sorting), so they come last.
    const order = [...Array(p).keys()].map((i) => ({ i, v: labels[b * p + i]! > 0 ? 0 : loss[b * p + i]! }));
    order.sort((x, y) => y.v - x.v || x.i - y.i);
    let neg = 0;
    for (let r = 0; r < wanted; r++) {
      const i = order[r]!.i;
      if (labels[b * p + i]! === 0) neg++;
      mask[b * p + i] = 1;
    }
    for (let i = 0; i < p; i++) if (labels[b * p + i]! > 0) mask[b * p + i] = 1;
    positives.push(pos);
    negatives.push(neg);
  }
  return { mask, positives, negatives };
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * log(sum(exp(x))) over the last axis, tf.logSumExp's value (the same ops in the same order), with the
 * gradient written out: dy * exp(x - lse) = dy * softmax(x). tf.logSumExp's own gradient goes through its
 * max's, which builds a broadcast Equal mask: about 15 ms of the WASM backend's time on ssd-small's
 * [16, 368, 12] logits (its broadcasting comparison is slow), a tenth of the training step.
 */
const logSumExpLastAxis = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const axis = x.rank - 1;
  const max = tf.max(x, axis, true);
  const lse = tf.add(tf.reshape(max, max.shape.slice(0, -1)), tf.log(tf.sum(tf.exp(tf.sub(x, max)), axis)));
  save([x, lse]);
  return {
    value: lse,
    gradFunc: (dy: tf.Tensor, [xs, saved]: tf.Tensor[]) => tf.mul(tf.expandDims(dy, -1), tf.exp(tf.sub(xs!, tf.expandDims(saved!, -1)))),
  };
}) as unknown as CustomGradientFunc) as unknown as (x: tf.Tensor) => tf.Tensor;

/** `loc` [N, P, 4] predicted offsets, `conf` [N, P, C + 1] logits (class 0 = background). */
export function multiboxLoss(loc: tf.Tensor3D, conf: tf.Tensor3D, targets: MultiboxTargets): MultiboxLoss {
  const [n, p, classes] = conf.shape;
  const labels = targets.labels;
  const perPriorCe = tf.sub(logSumExpLastAxis(conf), tf.sum(tf.mul(conf, tf.oneHot(labels, classes)), -1)) as tf.Tensor2D;
  const labelValues = labels.dataSync();
  const { mask, positives, negatives } = mineHardNegatives(perPriorCe.dataSync(), labelValues, n, p);
  const selected = tf.tensor2d(mask, [n, p]);
  const positive = tf.cast(tf.greater(labels, 0), 'float32');
  const numPositives = positives.reduce((a, b) => a + b, 0);
  const denominator = Math.max(1, numPositives);
  const locSum = tf.sum(tf.mul(smoothL1(tf.sub(loc, targets.offsets)), tf.expandDims(positive, -1)));
  const confSum = tf.sum(tf.mul(perPriorCe, selected));
  const locLoss = tf.div(locSum, denominator) as tf.Scalar;
  const confLoss = tf.div(confSum, denominator) as tf.Scalar;
  return { total: tf.add(locLoss, confLoss) as tf.Scalar, loc: locLoss, conf: confLoss, positives, negatives };
}
