// YOLOv5's training targets and loss, as ultralytics/yolov5 utils/loss.py (ComputeLoss, build_targets) with
// utils/metrics.py bbox_iou(CIoU=True) and the hyperparameters of data/hyps/hyp.scratch-low.yaml as train.py
// scales them (box 0.05, cls 0.5 * nc / 80, obj 1.0 * (imgsz / 640)^2, each * 3 / layers; anchor_t 4; no
// label smoothing or focal loss; objectness balance 4.0 / 1.0 / 0.4 over P3 / P4 / P5; gr = 1).
//
// Assignment (build_targets): a truth goes to every anchor of a level whose width and height ratios to it
// are both within 4x, in its own grid cell and in the two neighbouring cells its centre is closest to
// (the centre may then sit at -0.5..1.5 of the cell, which the 2*sigmoid - 0.5 parameterisation reaches).
// Losses: 1 - CIoU on the positives (mean per level), BCE of the classes on the positives (mean per level),
// BCE of the objectness everywhere against the detached, clamped CIoU at positives and 0 elsewhere (mean per
// level, times the balance), all times the batch size.
import { tf } from '../../engine/tf.js';
import { stopGradient } from '../../activations/tensor-utils.js';
import type { ImageTruth } from './types.js';

export const ANCHOR_T = 4;
export const OBJ_BALANCE = [4.0, 1.0, 0.4];

export interface YoloLevel {
  stride: number;
  /** Grid rows and columns. */
  ny: number;
  nx: number;
  /** Anchor [w, h] pairs in input pixels. */
  anchors: [number, number][];
}

/** Where each prediction of the flattened output lives: level, cell, anchor. Prediction order is level, row, column, anchor. */
export interface PredictionTable {
  levels: YoloLevel[];
  count: number;
  /** Per prediction. */
  level: Int32Array;
  gx: Int32Array;
  gy: Int32Array;
  anchor: Int32Array;
  /** First prediction index of each level. */
  offset: number[];
}

export function predictionTable(levels: YoloLevel[]): PredictionTable {
  const count = levels.reduce((s, l) => s + l.ny * l.nx * l.anchors.length, 0);
  const t: PredictionTable = { levels, count, level: new Int32Array(count), gx: new Int32Array(count), gy: new Int32Array(count), anchor: new Int32Array(count), offset: [] };
  let p = 0;
  levels.forEach((l, i) => {
    t.offset.push(p);
    for (let y = 0; y < l.ny; y++) {
      for (let x = 0; x < l.nx; x++) {
        for (let a = 0; a < l.anchors.length; a++) {
          t.level[p] = i;
          t.gx[p] = x;
          t.gy[p] = y;
          t.anchor[p] = a;
          p++;
        }
      }
    }
  });
  return t;
}

export interface YoloAssignment {
  /** Per positive: image * P + prediction index. */
  flatIndex: Int32Array;
  /** Per positive: [x, y, w, h] in grid units, x and y relative to the cell's corner. */
  box: Float32Array;
  /** Per positive: its anchor [w, h] in grid units. */
  anchor: Float32Array;
  classes: Int32Array;
  /** Per positive: 1 / positives on its level (the per-level means of the reference as one weighted sum). */
  weight: Float32Array;
}

// build_targets' neighbour offsets: itself, then left, up, right, down (g = 0.5).
const OFFSETS: [number, number][] = [[0, 0], [0.5, 0], [0, 0.5], [-0.5, 0], [0, -0.5]];

/** build_targets on the host, for a batch; flagged truths (difficult / crowd) are left out. */
export function assignTargets(table: PredictionTable, truth: readonly ImageTruth[]): YoloAssignment {
  const flat: number[] = [];
  const box: number[] = [];
  const anchor: number[] = [];
  const classes: number[] = [];
  const levelOf: number[] = [];
  table.levels.forEach((level, li) => {
    const na = level.anchors.length;
    // One row per (offset, anchor, truth) in the reference's order, so duplicates resolve the same way.
    for (let o = 0; o < OFFSETS.length; o++) {
      for (let a = 0; a < na; a++) {
        truth.forEach((t, b) => {
          for (let k = 0; k < t.classes.length; k++) {
            if (t.flags[k]) continue;
            const [x0, y0, x1, y1] = [t.boxes[k * 4]!, t.boxes[k * 4 + 1]!, t.boxes[k * 4 + 2]!, t.boxes[k * 4 + 3]!];
            const gx = (x0 + x1) / 2 / level.stride;
            const gy = (y0 + y1) / 2 / level.stride;
            const gw = (x1 - x0) / level.stride;
            const gh = (y1 - y0) / level.stride;
            const aw = level.anchors[a]![0] / level.stride;
            const ah = level.anchors[a]![1] / level.stride;
            const rw = gw / aw;
            const rh = gh / ah;
            if (!(Math.max(rw, 1 / rw, rh, 1 / rh) < ANCHOR_T)) continue;
            const gxi = level.nx - gx;
            const gyi = level.ny - gy;
            const use = [true, gx % 1 < 0.5 && gx > 1, gy % 1 < 0.5 && gy > 1, gxi % 1 < 0.5 && gxi > 1, gyi % 1 < 0.5 && gyi > 1][o];
            if (!use) continue;
            const [ox, oy] = OFFSETS[o]!;
            const ci = Math.trunc(gx - ox);
            const cj = Math.trunc(gy - oy);
            const i = Math.min(level.nx - 1, Math.max(0, ci));
            const j = Math.min(level.ny - 1, Math.max(0, cj));
            const p = table.offset[li]! + (j * level.nx + i) * na + a;
            flat.push(b * table.count + p);
            // The reference offsets the box from the unclamped cell (gxy - gij).
            box.push(gx - ci, gy - cj, gw, gh);
            anchor.push(aw, ah);
            classes.push(t.classes[k]!);
            levelOf.push(li);
          }
        });
      }
    }
  });
  const perLevel = table.levels.map((_, li) => levelOf.filter((l) => l === li).length);
  return {
    flatIndex: Int32Array.from(flat),
    box: Float32Array.from(box),
    anchor: Float32Array.from(anchor),
    classes: Int32Array.from(classes),
    weight: Float32Array.from(levelOf, (l) => 1 / perLevel[l]!),
  };
}

/**
 * Rows of `x` [R, W] at `indices` (repeats allowed). tf.gather's gradient needs UnsortedSegmentSum, which the
 * WASM backend lacks; here it is a ScatterNd, which sums the gradients of repeated rows the same way.
 */
export function gatherRows(x: tf.Tensor2D, indices: Int32Array): tf.Tensor2D {
  const idx = tf.tensor1d(indices, 'int32');
  // The indices are saved with the tape: tensors the forward pass made and did not save are freed before the backward pass.
  const gather = tf.customGrad(((t: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.gather(t, idx),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.reshape(saved[0]!, [-1, 1]), dy, t.shape),
    };
  }) as never) as (t: tf.Tensor2D) => tf.Tensor2D;
  return gather(x);
}

/**
 * bbox_iou(box1, box2, xywh=True, CIoU=True) of yolov5 utils/metrics.py, row by row: [M, 4] centre-form
 * boxes -> [M]. The aspect-ratio weight alpha is computed without gradient, as there.
 */
export function ciou(b1: tf.Tensor2D, b2: tf.Tensor2D, eps = 1e-7): tf.Tensor1D {
  const col = (b: tf.Tensor2D, i: number): tf.Tensor1D => tf.reshape(tf.slice(b, [0, i], [-1, 1]), [-1]);
  const [x1, y1, w1, h1] = [0, 1, 2, 3].map((i) => col(b1, i)) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  const [x2, y2, w2, h2] = [0, 1, 2, 3].map((i) => col(b2, i)) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  const b1x1 = tf.sub(x1, tf.div(w1, 2));
  const b1x2 = tf.add(x1, tf.div(w1, 2));
  const b1y1 = tf.sub(y1, tf.div(h1, 2));
  const b1y2 = tf.add(y1, tf.div(h1, 2));
  const b2x1 = tf.sub(x2, tf.div(w2, 2));
  const b2x2 = tf.add(x2, tf.div(w2, 2));
  const b2y1 = tf.sub(y2, tf.div(h2, 2));
  const b2y2 = tf.add(y2, tf.div(h2, 2));
  const iw = tf.relu(tf.sub(tf.minimum(b1x2, b2x2), tf.maximum(b1x1, b2x1)));
  const ih = tf.relu(tf.sub(tf.minimum(b1y2, b2y2), tf.maximum(b1y1, b2y1)));
  const inter = tf.mul(iw, ih);
  const union = tf.add(tf.sub(tf.add(tf.mul(w1, h1), tf.mul(w2, h2)), inter), eps);
  const iou = tf.div(inter, union);
  const cw = tf.sub(tf.maximum(b1x2, b2x2), tf.minimum(b1x1, b2x1));
  const ch = tf.sub(tf.maximum(b1y2, b2y2), tf.minimum(b1y1, b2y1));
  const c2 = tf.add(tf.add(tf.square(cw), tf.square(ch)), eps);
  const rho2 = tf.div(tf.add(tf.square(tf.sub(tf.add(b2x1, b2x2), tf.add(b1x1, b1x2))), tf.square(tf.sub(tf.add(b2y1, b2y2), tf.add(b1y1, b1y2)))), 4);
  const v = tf.mul(4 / Math.PI ** 2, tf.square(tf.sub(tf.atan(tf.div(w2, h2)), tf.atan(tf.div(w1, h1)))));
  const alpha = stopGradient(tf.div(v, tf.add(tf.sub(v, iou), 1 + eps)));
  return tf.sub(iou, tf.add(tf.div(rho2, c2), tf.mul(v, alpha))) as tf.Tensor1D;
}

/** Mean-free elementwise BCE with logits (BCEWithLogitsLoss, reduction none), the stable form. */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor): tf.Tensor {
  // max(z, 0) - z * t + log(1 + exp(-|z|)), written with relu and softplus so every op has a gradient.
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.softplus(tf.neg(tf.abs(logits))));
}

export interface YoloLossParts {
  total: tf.Scalar;
  box: tf.Scalar;
  obj: tf.Scalar;
  cls: tf.Scalar;
}

export interface YoloGains {
  box: number;
  obj: number;
  cls: number;
}

/** hyp.scratch-low.yaml's gains as yolov5 train.py scales them for `layers` levels, nc classes, an imgsz input. */
export function yoloGains(layers: number, numClasses: number, imageSize: number): YoloGains {
  return { box: 0.05 * (3 / layers), cls: 0.5 * (numClasses / 80) * (3 / layers), obj: 1.0 * (imageSize / 640) ** 2 * (3 / layers) };
}

/**
 * `raw` [N, P, 5 + nc] (x, y, w, h, obj, classes; logits) in the order of the prediction table. `assignment` from
 * assignTargets; `objWeight` [P]: balance[level] / (cells * anchors of that level) (see objectnessWeights).
 */
export function yoloLoss(raw: tf.Tensor3D, assignment: YoloAssignment, objWeight: tf.Tensor1D, gains: YoloGains): YoloLossParts {
  const [n, p, width] = raw.shape;
  const nc = width - 5;
  const flatRaw = tf.reshape(raw, [n * p, width]) as tf.Tensor2D;
  const m = assignment.classes.length;
  const tobj = new Float32Array(n * p);
  let box: tf.Scalar = tf.scalar(0);
  let cls: tf.Scalar = tf.scalar(0);
  if (m > 0) {
    const picked = gatherRows(flatRaw, assignment.flatIndex);
    const sig = tf.sigmoid(tf.slice(picked, [0, 0], [m, 4]));
    const pxy = tf.sub(tf.mul(tf.slice(sig, [0, 0], [m, 2]), 2), 0.5);
    const pwh = tf.mul(tf.square(tf.mul(tf.slice(sig, [0, 2], [m, 2]), 2)), tf.tensor2d(assignment.anchor, [m, 2]));
    const iou = ciou(tf.concat([pxy, pwh], 1) as tf.Tensor2D, tf.tensor2d(assignment.box, [m, 4]));
    const weight = tf.tensor1d(assignment.weight);
    box = tf.sum(tf.mul(tf.sub(1, iou), weight)) as tf.Scalar;
    // The objectness target: the CIoU, detached and clamped at 0; a later duplicate overwrites an earlier one.
    const iouValues = iou.dataSync();
    for (let k = 0; k < m; k++) tobj[assignment.flatIndex[k]!] = Math.max(0, iouValues[k]!);
    if (nc > 1) {
      const logits = tf.slice(picked, [0, 5], [m, nc]);
      const target = tf.oneHot(tf.tensor1d(assignment.classes, 'int32'), nc);
      cls = tf.div(tf.sum(tf.mul(tf.sum(bceWithLogits(logits, target), 1), weight)), nc) as tf.Scalar;
    }
  }
  const objLogits = tf.reshape(tf.slice(raw, [0, 0, 4], [n, p, 1]), [n, p]);
  const objBce = bceWithLogits(objLogits, tf.tensor2d(tobj, [n, p]));
  // Mean over the batch and the level's cells and anchors, times the balance: objWeight holds all but the 1/N.
  const obj = tf.div(tf.sum(tf.mul(objBce, objWeight)), n) as tf.Scalar;
  const boxG = tf.mul(box, gains.box) as tf.Scalar;
  const objG = tf.mul(obj, gains.obj) as tf.Scalar;
  const clsG = tf.mul(cls, gains.cls) as tf.Scalar;
  const total = tf.mul(tf.add(tf.add(boxG, objG), clsG), n) as tf.Scalar;
  return { total, box: boxG, obj: objG, cls: clsG };
}

/** Per prediction: OBJ_BALANCE[level] / (ny * nx * anchors) of its level. */
export function objectnessWeights(table: PredictionTable): Float32Array {
  const balance = table.levels.length === 3 ? OBJ_BALANCE : [4.0, 1.0, 0.25, 0.06, 0.02];
  return Float32Array.from(table.level, (l) => {
    const level = table.levels[l]!;
    return balance[l]! / (level.ny * level.nx * level.anchors.length);
  });
}
