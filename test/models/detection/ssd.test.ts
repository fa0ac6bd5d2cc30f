import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf.js';
import { initEngine } from '../../../src/engine/backend.js';
import { mineHardNegatives, multiboxLoss } from '../../../src/models/detection/multibox-loss.js';
import { SSD300_PRIORS, priorBoxes } from '../../../src/models/detection/ssd-priors.js';
import { buildSsd } from '../../../src/models/detection/ssd.js';
import { disposeTargets } from '../../../src/models/detection/types.js';
import { Rng } from '../../../src/engine/random.js';
import { sceneBatch } from '../../helpers/detection-fixtures.js';

test('multibox loss on a hand case: smooth-L1 on the positive, CE on it and its 3 hardest negatives, / N', async () => {
  await tf.setBackend('cpu');
  // One image, 6 priors, 2 classes + background. Prior 0 is positive (label 2, i.e. class 1).
  // Background CE of each negative, ln(sum exp z) - z_0:
  //   p1 [0,1,0] ln(2+e) = 1.551   p2 [0,2,0] ln(2+e^2) = 2.240   p3 [0,0,0] ln 3 = 1.099
  //   p4 [0,3,0] ln(2+e^3) = 3.095 p5 [1,0,0] ln(e+2) - 1 = 0.551
  // 3 x 1 positive = 3 negatives: p4, p2, p1. The positive's CE (target 2) is ln 3.
  // Loc: the positive predicts [0.5, 0, -2, 0] against 0s: 0.5*0.25 + 0 + (2 - 0.5) + 0 = 1.625; the
  // negatives' loc (5s) must not count. N = 1.
  const conf = tf.tensor3d([[[0, 0, 0], [0, 1, 0], [0, 2, 0], [0, 0, 0], [0, 3, 0], [1, 0, 0]]]);
  const loc = tf.tensor3d([[[0.5, 0, -2, 0], [5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 5]]]);
  const targets = { offsets: tf.zeros([1, 6, 4]) as tf.Tensor3D, labels: tf.tensor2d([[2, 0, 0, 0, 0, 0]], [1, 6], 'int32') };
  const l = multiboxLoss(loc, conf, targets);
  const expectedConf = Math.log(3) + Math.log(2 + Math.exp(3)) + Math.log(2 + Math.exp(2)) + Math.log(2 + Math.E);
  assert.ok(Math.abs(l.conf.dataSync()[0]! - expectedConf) < 1e-5, `conf ${l.conf.dataSync()[0]} vs ${expectedConf}`);
  assert.ok(Math.abs(l.loc.dataSync()[0]! - 1.625) < 1e-6, `loc ${l.loc.dataSync()[0]}`);
  assert.deepEqual(l.positives, [1]);
  assert.deepEqual(l.negatives, [3]);
  // The unmined negatives (p3, p5) get no gradient through the confidence loss.
  const g = tf.grad((c: tf.Tensor) => multiboxLoss(loc, c as tf.Tensor3D, targets).total)(conf);
  const rows = (await g.array()) as number[][][];
  assert.deepEqual(rows[0]![3], [0, 0, 0]);
  assert.deepEqual(rows[0]![5], [0, 0, 0]);
  // A mined negative's gradient is softmax(z) - onehot(0), / N = 1: p4 [0, 3, 0] gives
  // [1/(2+e^3) - 1, e^3/(2+e^3), 1/(2+e^3)] = [-0.9525, 0.9097, 0.0428]; the positive p0 (label 2): [1/3, 1/3, -2/3].
  const z = 2 + Math.exp(3);
  [1 / z - 1, Math.exp(3) / z, 1 / z].forEach((v, i) => assert.ok(Math.abs(rows[0]![4]![i]! - v) < 1e-6, `p4[${i}] ${rows[0]![4]![i]} vs ${v}`));
  [1 / 3, 1 / 3, -2 / 3].forEach((v, i) => assert.ok(Math.abs(rows[0]![0]![i]! - v) < 1e-6, `p0[${i}] ${rows[0]![0]![i]} vs ${v}`));
});

test('hard-negative mining: 3 x positives per image, capped at P - 1, the largest losses', () => {
  const rng = new Rng(3);
  const p = 40;
  const loss = Array.from({ length: 2 * p }, () => rng.next());
  const labels = new Array(2 * p).fill(0);
  [0, 5, 9].forEach((i) => (labels[i] = 1)); // image 0: 3 positives -> 9 negatives
  for (let i = 0; i < 20; i++) labels[p + i] = 2; // image 1: 20 positives -> min(60, 39) ranks
  const { mask, positives, negatives } = mineHardNegatives(loss, labels, 2, p);
  assert.deepEqual(positives, [3, 20]);
  assert.deepEqual(negatives, [9, 20]);
  const negLosses = (b: number): number[] => [...Array(p).keys()].filter((i) => labels[b * p + i] === 0).map((i) => loss[b * p + i]!);
  const chosen = [...Array(p).keys()].filter((i) => labels[i] === 0 && mask[i] === 1).map((i) => loss[i]!);
  assert.deepEqual(chosen.sort(), negLosses(0).sort((a, b) => b - a).slice(0, 9).sort());
  // Image 1: every one of its 20 negatives is chosen, as are all positives.
  assert.equal([...mask.subarray(p)].reduce((a, b) => a + b, 0), 40);
});

test('SSD300 priors: 8732 boxes as ssd.pytorch, first cell by hand', () => {
  const priors = priorBoxes(SSD300_PRIORS, 300, [38, 19, 10, 5, 3, 1]);
  assert.equal(priors.length / 4, 8732);
  // Cell (0, 0) of conv4_3: centre (4, 4); squares 30 and sqrt(30 * 60); ratio 2: 30*sqrt2 x 30/sqrt2 and transposed.
  const s2 = Math.sqrt(2);
  const expected = [4, 4, 30, 30, 4, 4, Math.sqrt(1800), Math.sqrt(1800), 4, 4, 30 * s2, 30 / s2, 4, 4, 30 / s2, 30 * s2];
  expected.forEach((v, i) => assert.ok(Math.abs(priors[i]! - v) < 1e-4, `prior number ${i}: ${priors[i]} vs ${v}`));
  // The last map's squares are clipped to the image: sqrt(264 * 315) = 288.4 < 300 stays, centre 150.
  const last = priors.subarray(priors.length - 16);
  assert.ok(Math.abs(last[6]! - Math.sqrt(264 * 315)) < 1e-3);
  assert.equal(last[0], 150);
});

test('ssd-small: output shapes, priors that match them, finite non-zero gradients for every weight with ASH', async () => {
  await initEngine({ backend: 'wasm' });
  const built = buildSsd('ssd-small', { activation: { name: 'ash' }, numClasses: 10, inputShape: [64, 64, 1], seed: 1 });
  const { model, detector } = built;
  // 8x8x4 + 4x4x6 + 2x2x4 priors.
  assert.equal(detector.numPriors, 256 + 96 + 16);
  assert.deepEqual(model.outputs.map((o) => o.shape), [[null, 368, 4], [null, 368, 11]]);
  assert.equal(built.activationSites.length, 8);
  const batch = sceneBatch(2);
  // The scenes' items (8-26 px) match only the 8x8 and 4x4 maps' priors; an extra 52 px truth gives the
  // 2x2 map's head a positive too, so that every head weight is on the loss's path.
  const first = batch.truth[0]!;
  batch.truth[0] = {
    boxes: Float32Array.from([...first.boxes, 6, 6, 58, 58]),
    classes: Int32Array.from([...first.classes, 2]),
    flags: Uint8Array.from([...first.flags, 0]),
  };
  const targets = detector.encodeTargets(batch.truth);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => detector.loss(batch.images, targets).total, variables);
  assert.ok(Number.isFinite(value.dataSync()[0]!) && value.dataSync()[0]! > 0);
  for (const w of model.trainableWeights) {
    const g = grads[w.read().name]!.dataSync();
    assert.ok(g.every(Number.isFinite), `${w.originalName}: non-finite gradient`);
    assert.ok(g.some((v) => v !== 0), `${w.originalName}: all-zero gradient`);
  }
  // ASH's own parameters are among the weights that got a gradient.
  assert.ok(model.trainableWeights.some((w) => /act/.test(w.originalName)), 'no activation weights');
  tf.dispose([value, ...Object.values(grads), batch.images]);
  disposeTargets(targets);
  model.dispose();
});

test('ssd-small: 15 SGD steps on two fixed scenes halve the loss; detect gives boxes in the image', async (t) => {
  await initEngine({ backend: 'wasm' });
  const { model, detector } = buildSsd('ssd-small', { activation: { name: 'ash' }, numClasses: 10, inputShape: [64, 64, 1], seed: 2 });
  const batch = sceneBatch(2, 1);
  const targets = detector.encodeTargets(batch.truth);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const losses: number[] = [];
  for (let step = 0; step < 15; step++) {
    const cost = optimizer.minimize(() => detector.loss(batch.images, targets).total, true)!;
    losses.push(cost.dataSync()[0]!);
    cost.dispose();
  }
  t.diagnostic(`losses: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  const first = losses[0]!;
  const last = Math.min(...losses.slice(-3));
  assert.ok(last < 0.5 * first, `loss ${first} -> ${last}: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  const dets = detector.detect(batch.images);
  assert.equal(dets.length, 2);
  for (const d of dets) {
    assert.ok(d.scores.length > 0 && d.scores.length <= 200);
    assert.ok(d.boxes.every((v) => v >= 0 && v <= 64));
    for (let i = 1; i < d.scores.length; i++) assert.ok(d.scores[i - 1]! >= d.scores[i]!);
  }
  disposeTargets(targets);
  batch.images.dispose();
  model.dispose();
});

test('ssd targets: flagged (difficult / crowd) truths are not matched', async () => {
  await tf.setBackend('cpu');
  const { model, detector } = buildSsd('ssd-small', { activation: { name: 'relu' }, numClasses: 10, inputShape: [64, 64, 1], seed: 0 });
  const box = [8, 8, 28, 30];
  const other = [40, 36, 60, 60];
  const flagged = detector.encodeTargets([{ boxes: Float32Array.from([...box, ...other]), classes: Int32Array.from([3, 5]), flags: Uint8Array.from([0, 1]) }]);
  const alone = detector.encodeTargets([{ boxes: Float32Array.from(box), classes: Int32Array.from([3]), flags: Uint8Array.from([0]) }]);
  const labels = flagged.tensors.labels!.dataSync();
  assert.deepEqual([...labels], [...alone.tensors.labels!.dataSync()]);
  assert.ok(labels.some((v) => v === 4) && !labels.some((v) => v === 6));
  disposeTargets(flagged);
  disposeTargets(alone);
  model.dispose();
});
