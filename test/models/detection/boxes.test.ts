import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf.js';
import {
  batchedNms,
  centreToXyxy,
  decodeOffsets,
  encodeOffsets,
  iouMatrix,
  matchPriors,
  groupedNms,
  nms,
  xywhToXyxy,
  xyxyToXywh,
} from '../../../src/models/detection/boxes.js';
import { Rng } from '../../../src/engine/random.js';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5, what = ''): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('IoU matrix on hand cases: overlap, touching edges, containment, empty boxes', () => {
  const a = [0, 0, 2, 2, 0, 0, 0, 0];
  const b = [1, 1, 3, 3, 2, 0, 4, 2, 0, 0, 4, 4];
  // [0,0,2,2] vs [1,1,3,3]: intersection 1x1, union 4 + 4 - 1 = 7.
  // vs [2,0,4,2]: they share an edge only, intersection 0.
  // vs [0,0,4,4]: contained, 4 / 16.
  // The empty box [0,0,0,0] has IoU 0 with everything (no division by zero).
  close(iouMatrix(a, b), [1 / 7, 0, 0.25, 0, 0, 0], 1e-7);
});

test('xywh <-> xyxy and centre form', () => {
  close(xywhToXyxy([10, 20, 5, 6]), [10, 20, 15, 26]);
  close(xyxyToXywh([10, 20, 15, 26]), [10, 20, 5, 6]);
  close(centreToXyxy([10, 10, 4, 6]), [8, 7, 12, 13]);
});

test('encode / decode: hand values and round trip', () => {
  const prior = [30, 30, 10, 10];
  // Truth [24, 24, 40, 40]: centre (32, 32), size 16. dx = (32 - 30) / (0.1 * 10) = 2; dw = ln(1.6) / 0.2.
  const enc = encodeOffsets([24, 24, 40, 40], prior);
  close(enc, [2, 2, Math.log(1.6) / 0.2, Math.log(1.6) / 0.2]);
  const rng = new Rng(5);
  const priors: number[] = [];
  const truths: number[] = [];
  for (let i = 0; i < 20; i++) {
    priors.push(5 + 50 * rng.next(), 5 + 50 * rng.next(), 2 + 20 * rng.next(), 2 + 20 * rng.next());
    const x0 = 60 * rng.next();
    const y0 = 60 * rng.next();
    truths.push(x0, y0, x0 + 1 + 30 * rng.next(), y0 + 1 + 30 * rng.next());
  }
  const p = Float32Array.from(priors);
  close(decodeOffsets(encodeOffsets(truths, p), p), truths, 1e-3, 'round trip');
});

test('matching: threshold 0.5, the best prior of every truth kept, background elsewhere', () => {
  // Priors (centre form) -> corners: P0 [0,0,10,10], P1 [10,0,20,10], P2 [5,0,15,10], P3 [25,25,35,35].
  const priors = Float32Array.from([5, 5, 10, 10, 15, 5, 10, 10, 10, 5, 10, 10, 30, 30, 10, 10]);
  // T0 [0,0,10,10] class 3: IoU 1 with P0, 50/150 = 1/3 with P2, 0 with P1.
  // T1 [24,24,40,40] class 1: IoU with P3 = 100/256 = 0.39 < 0.5, but P3 is T1's best prior, so it is kept.
  const m = matchPriors(0.5, [0, 0, 10, 10, 24, 24, 40, 40], [3, 1], priors);
  assert.deepEqual([...m.labels], [4, 0, 0, 2]);
  assert.deepEqual([...m.truthIndex], [0, 0, 0, 1]);
  close(m.offsets.subarray(0, 4), [0, 0, 0, 0]);
  close(m.offsets.subarray(12, 16), [2, 2, Math.log(1.6) / 0.2, Math.log(1.6) / 0.2]);
  // Two identical truths share their best prior P0: the later one (class 5) wins, as in ssd.pytorch's loop.
  const shared = matchPriors(0.5, [0, 0, 10, 10, 0, 0, 10, 10], [3, 5], priors);
  assert.equal(shared.labels[0], 6);
  // No truths: everything is background.
  assert.deepEqual([...matchPriors(0.5, [], [], priors).labels], [0, 0, 0, 0]);
});

test('NMS: hand case, and the same indices as tf.image.nonMaxSuppression on random boxes', async () => {
  // A and B overlap at IoU 90/110 = 0.82 (B suppressed); C is apart; D overlaps A at 50/150 = 0.33 (kept at 0.5).
  const boxes = [0, 0, 10, 10, 1, 0, 11, 10, 20, 20, 30, 30, 5, 0, 15, 10];
  const scores = [0.9, 0.8, 0.7, 0.6];
  assert.deepEqual(nms(boxes, scores, [0, 1, 2, 3], 0.5), [0, 2, 3]);
  assert.deepEqual(nms(boxes, scores, [0, 1, 2, 3], 0.3), [0, 2]);

  await tf.setBackend('cpu');
  const rng = new Rng(11);
  const n = 60;
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = 40 * rng.next();
    const y = 40 * rng.next();
    b.push(x, y, x + 5 + 15 * rng.next(), y + 5 + 15 * rng.next());
    s.push(rng.next());
  }
  // tf takes [y0, x0, y1, x1]; IoU does not care about the axis order.
  const tfBoxes = tf.tensor2d(b, [n, 4]);
  const keptByTf = tf.image.nonMaxSuppression(tfBoxes, tf.tensor1d(s), n, 0.45);
  const expected = [...(await keptByTf.data())];
  assert.deepEqual(nms(b, s, [...Array(n).keys()], 0.45), expected);
  tf.dispose([tfBoxes, keptByTf]);
});

test('grouped NMS (torchvision batched_nms): groups apart, IoU at the threshold kept, global order and limit', () => {
  // A [0,0,20,10] and B [0,0,10,10]: IoU 100/200 = 0.5 exactly; torchvision.ops.nms suppresses only above it.
  // C [1,0,21,10] overlaps A at 190/210 = 0.905; D = A's copy in group 1; E = C's copy with C's score, later.
  const boxes = [0, 0, 20, 10, 0, 0, 10, 10, 1, 0, 21, 10, 0, 0, 20, 10, 1, 0, 21, 10];
  const scores = [0.9, 0.8, 0.85, 0.7, 0.85];
  // One group: A keeps B (0.5 is not > 0.5) and suppresses C and E (0.905), and D (IoU 1).
  assert.deepEqual(groupedNms(boxes, scores, 0.5), [0, 1]);
  // Groups [0, 0, 0, 1, 1]: group 1 keeps E (0.85) over D (IoU 0.905 with E). Overall by score: A 0.9, E 0.85, B 0.8.
  assert.deepEqual(groupedNms(boxes, scores, 0.5, Infinity, [0, 0, 0, 1, 1]), [0, 4, 1]);
  assert.deepEqual(groupedNms(boxes, scores, 0.5, 2, [0, 0, 0, 1, 1]), [0, 4]);
  // Equal scores in different groups (C in group 2, E in group 1): the lower index first.
  assert.deepEqual(groupedNms(boxes, scores, 0.5, Infinity, [0, 0, 2, 1, 1]), [0, 2, 4, 1]);
  assert.deepEqual(groupedNms([], [], 0.5), []);
});

test('batched per-class NMS: classes apart, score floor, top-k, clipping', () => {
  const boxes = Float32Array.from([0, 0, 10, 10, 1, 0, 11, 10, -5, 20, 30, 70]);
  // scores[box][class]. Class 0: box 1 (0.8) is suppressed by box 0 (0.9, IoU 0.82). Class 1: box 1 (0.7)
  // survives and suppresses box 0 (0.02) there: NMS runs per class. Box 2's class-1 score equals the floor
  // 0.01 and is dropped (strictly above is kept).
  const scores = Float32Array.from([0.9, 0.02, 0.8, 0.7, 0.5, 0.01]);
  const d = batchedNms(boxes, scores, 2, [64, 64]);
  assert.deepEqual([...d.classes], [0, 1, 0]);
  close(d.scores, [0.9, 0.7, 0.5]);
  // Box 2 clipped to the 64x64 image: [-5, 20, 30, 70] -> [0, 20, 30, 64].
  close(d.boxes, [0, 0, 10, 10, 1, 0, 11, 10, 0, 20, 30, 64]);
  const two = batchedNms(boxes, scores, 2, [64, 64], { maxDetections: 2 });
  close(two.scores, [0.9, 0.7]);
});
