// Box arithmetic for the two-stage (Mask R-CNN) detector, in plain JavaScript on flat xyxy arrays: target
// assignment and proposal filtering work on constants (no gradient flows through them in the references),
// so they run on typed arrays. Conventions are torchvision's (torchvision/models/detection/_utils.py and
// ops/boxes.py): widths are x2 - x1 (no +1), and the box coder is BoxCoder with the given weights and
// exp() clamped at log(1000 / 16).
import { tf } from '../../engine/tf.js';

/** Flat boxes, 4 numbers per box: x1, y1, x2, y2. */
export type FlatBoxes = Float32Array;

export const BBOX_EXP_CLAMP = Math.log(1000 / 16);

export function boxCount(boxes: ArrayLike<number>): number {
  return Math.floor(boxes.length / 4);
}

export type CoderWeights = readonly [number, number, number, number];

/** Regression targets (dx, dy, dw, dh) that move `reference` boxes onto `target` boxes (BoxCoder.encode_single). */
export function encodeBoxes(target: ArrayLike<number>, reference: ArrayLike<number>, weights: CoderWeights): Float32Array {
  const n = boxCount(reference);
  const out = new Float32Array(4 * n);
  const [wx, wy, ww, wh] = weights;
  for (let i = 0; i < n; i++) {
    const rw = reference[4 * i + 2]! - reference[4 * i]!;
    const rh = reference[4 * i + 3]! - reference[4 * i + 1]!;
    const rcx = reference[4 * i]! + 0.5 * rw;
    const rcy = reference[4 * i + 1]! + 0.5 * rh;
    const tw = target[4 * i + 2]! - target[4 * i]!;
    const th = target[4 * i + 3]! - target[4 * i + 1]!;
    const tcx = target[4 * i]! + 0.5 * tw;
    const tcy = target[4 * i + 1]! + 0.5 * th;
    out[4 * i] = (wx * (tcx - rcx)) / rw;
    out[4 * i + 1] = (wy * (tcy - rcy)) / rh;
    out[4 * i + 2] = ww * Math.log(tw / rw);
    out[4 * i + 3] = wh * Math.log(th / rh);
  }
  return out;
}

/** Boxes from deltas applied to `reference` boxes (BoxCoder.decode_single); `deltas` holds 4 numbers per box. */
export function decodeBoxes(deltas: ArrayLike<number>, reference: ArrayLike<number>, weights: CoderWeights): Float32Array {
  const n = boxCount(reference);
  const out = new Float32Array(4 * n);
  const [wx, wy, ww, wh] = weights;
  for (let i = 0; i < n; i++) {
    const rw = reference[4 * i + 2]! - reference[4 * i]!;
    const rh = reference[4 * i + 3]! - reference[4 * i + 1]!;
    const rcx = reference[4 * i]! + 0.5 * rw;
    const rcy = reference[4 * i + 1]! + 0.5 * rh;
    const dx = deltas[4 * i]! / wx;
    const dy = deltas[4 * i + 1]! / wy;
    const dw = Math.min(deltas[4 * i + 2]! / ww, BBOX_EXP_CLAMP);
    const dh = Math.min(deltas[4 * i + 3]! / wh, BBOX_EXP_CLAMP);
    const cx = dx * rw + rcx;
    const cy = dy * rh + rcy;
    const w = Math.exp(dw) * rw;
    const h = Math.exp(dh) * rh;
    out[4 * i] = cx - 0.5 * w;
    out[4 * i + 1] = cy - 0.5 * h;
    out[4 * i + 2] = cx + 0.5 * w;
    out[4 * i + 3] = cy + 0.5 * h;
  }
  return out;
}

/** Clip boxes in place to an image of `height` x `width`. */
export function clipBoxes(boxes: Float32Array, height: number, width: number): Float32Array {
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = Math.min(Math.max(boxes[i]!, 0), width);
    boxes[i + 1] = Math.min(Math.max(boxes[i + 1]!, 0), height);
    boxes[i + 2] = Math.min(Math.max(boxes[i + 2]!, 0), width);
    boxes[i + 3] = Math.min(Math.max(boxes[i + 3]!, 0), height);
  }
  return boxes;
}

/** Boxes `indices` of `boxes`, in that order. */
export function takeBoxes(boxes: ArrayLike<number>, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(4 * indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    for (let c = 0; c < 4; c++) out[4 * k + c] = boxes[4 * i + c]!;
  }
  return out;
}

/**
 * Smooth L1 (torchvision's det_utils: quadratic below beta, 0.5 * x^2 / beta), elementwise. beta = 1/9 in
 * both of torchvision's Mask R-CNN losses.
 */
export function smoothL1(diff: tf.Tensor, beta: number): tf.Tensor {
  return tf.tidy(() => {
    // With c = min(|x|, beta): 0.5 c^2 / beta + (|x| - c) is both branches at once, and every op has a gradient.
    const a = tf.abs(diff);
    const c = tf.minimum(a, beta);
    return tf.add(tf.div(tf.mul(0.5, tf.square(c)), beta), tf.sub(a, c));
  });
}
