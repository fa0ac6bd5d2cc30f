// The segmentation task itself: its loss against hand-computed cross-entropy, its evaluation on a fixed
// model whose outputs are known, and one short training run through the task registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { evaluateSegmenter, segmentationLoss } from '../../src/tasks/segmentation/index.js';
import { decode } from 'fast-png';
import { writeSegmentationExamples } from '../../src/tasks/segmentation/examples.js';
import { runJobInDir } from '../../src/runner/job-process.js';
import { parseResult } from '../../src/contract/result.js';
import { ExamplesIndexSchema } from '../../src/contract/examples.js';
import { DEFAULT_RECIPE } from '../../src/contract/recipe.js';
import type { JobSpec } from '../../src/contract/spec.js';
import { frozenSignModel, handSegmentationData } from '../helpers/segmentation-fixtures.js';
import { encodeIdx } from '../../src/data/idx.js';

const close = (actual: number, expected: number, what: string, tol = 1e-5): void =>
  assert.ok(Math.abs(actual - expected) < tol, `${what}: ${actual} vs ${expected}`);

test('segmentationLoss is the mean per-pixel cross-entropy over labelled pixels; ignore pixels count for nothing', async () => {
  await tf.setBackend('cpu');
  // One 1x3 image, 3 classes. Labels 0, 255 (ignore), 2.
  //   pixel 0: logits (1, 2, 3), label 0: CE = log(e^1 + e^2 + e^3) - 1 = 3.40760596444438 - 1 = 2.40760596444438
  //   pixel 1: logits (5, -5, 0), ignored (were it labelled 1 its CE would be ~10, so counting it would show)
  //   pixel 2: logits (0, 0, 0), label 2: CE = log 3 = 1.09861228866811
  // Mean over the 2 labelled pixels: (2.40760596444438 + 1.09861228866811) / 2 = 1.75310912655624.
  const logits = tf.tensor4d([1, 2, 3, 5, -5, 0, 0, 0, 0], [1, 1, 3, 3]);
  const labels = tf.tensor3d([0, 255, 2], [1, 1, 3], 'int32');
  close((await segmentationLoss(logits, labels, 3, 255).data())[0]!, 1.75310912655624, 'hand case');
  // Every pixel ignored: 0, not NaN (a crop that is all padding).
  const allIgnored = tf.tensor3d([255, 255, 255], [1, 1, 3], 'int32');
  const none = (await segmentationLoss(logits, allIgnored, 3, 255).data())[0]!;
  assert.ok(none === 0, `all ignored: ${none}`);
});

test('segmentationLoss equals tf.losses.softmaxCrossEntropy over the unignored pixels (random batch)', async () => {
  await tf.setBackend('cpu');
  const [b, h, w, c] = [2, 3, 4, 5];
  const logits = tf.randomNormal([b, h, w, c], 0, 3, 'float32', 7);
  // Labels 0..4 with every third pixel ignored.
  const raw = Array.from({ length: b * h * w }, (_, i) => (i % 3 === 1 ? 255 : (i * 7) % c));
  const labels = tf.tensor3d(raw, [b, h, w], 'int32');
  const keep = raw.map((v, i) => (v === 255 ? -1 : i)).filter((i) => i >= 0);
  const flat = tf.reshape(logits, [-1, c]);
  const kept = tf.gather(flat, keep);
  const onehot = tf.oneHot(tf.tensor1d(keep.map((i) => raw[i]!), 'int32'), c);
  const reference = (await tf.losses.softmaxCrossEntropy(onehot, kept, undefined, 0, tf.Reduction.MEAN).data())[0]!;
  const ours = (await segmentationLoss(logits, labels, c, 255).data())[0]!;
  assert.ok(keep.length === 16 && reference > 0.5);
  close(ours, reference, 'vs tf.losses.softmaxCrossEntropy');
});

test('evaluateSegmenter: mIoU, pixel accuracy, per-class IoU and validation loss of a frozen 1x1 conv, by hand', async () => {
  await tf.setBackend('cpu');
  // The frozen 1x1 conv of frozenSignModel predicts class 0 on bright pixels (logits (1, -1)) and 1 on dark ones.
  const model = frozenSignModel();
  // Image A: pixels 255 0 255 0, labels 0 1 1 255 -> predictions 0 1 0 (1, ignored).
  // Image B: pixels 0 0 0 0,     labels 1 1 0 0   -> predictions 1 1 1 1.
  //   class 0: labelled {A0, B2, B3} = 3, predicted {A0, A2} = 2, both {A0} = 1, union 4 -> IoU 25
  //   class 1: labelled {A1, A2, B0, B1} = 4, predicted {A1, B0..B3} = 5, both {A1, B0, B1} = 3, union 6 -> IoU 50
  //   mIoU 37.5; pixel accuracy 4 right of 7 labelled = 57.142857
  //   loss: a right pixel costs log(1 + e^-2) = 0.126928011, a wrong one log(1 + e^2) = 2.126928011;
  //   (4 x 0.126928011 + 3 x 2.126928011) / 7 = 0.984070868
  const data = handSegmentationData();
  const { metrics, perClass } = await evaluateSegmenter(model, data, data.val);
  close(metrics.miou, 37.5, 'mIoU', 1e-9);
  close(metrics.pixelAcc, 400 / 7, 'pixel accuracy', 1e-9);
  close(perClass.background!.iou!, 25, 'background IoU', 1e-9);
  close(perClass.thing!.iou!, 50, 'thing IoU', 1e-9);
  close(metrics.valLoss, (4 * Math.log1p(Math.exp(-2)) + 3 * Math.log1p(Math.exp(2))) / 7, 'validation loss');
  model.dispose();
});

test('writeSegmentationExamples: input, label and predicted label map of each image as PNGs, and their index', async () => {
  await tf.setBackend('cpu');
  const model = frozenSignModel();
  const dir = mkdtempSync(join(tmpdir(), 'ash-segex-'));
  const index = await writeSegmentationExamples(model, handSegmentationData(), handSegmentationData().val, dir, 4);
  // Only 2 images exist; 4 were asked for.
  assert.deepEqual(index.images.map((i) => [i.id, i.input, i.label, i.prediction]), [
    ['a', '000-input.png', '000-label.png', '000-prediction.png'],
    ['b', '001-input.png', '001-label.png', '001-prediction.png'],
  ]);
  assert.deepEqual(ExamplesIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'examples', 'index.json'), 'utf8'))), index);
  const png = (file: string) => decode(readFileSync(join(dir, 'examples', file)));
  // Grey input as stored; labels and predictions are palette indices (the class; 255 = ignore).
  assert.deepEqual([...png('000-input.png').data], [255, 0, 255, 0]);
  assert.deepEqual([...png('000-label.png').data], [0, 1, 1, 255]);
  assert.deepEqual([...png('000-prediction.png').data], [0, 1, 0, 1]);
  assert.deepEqual([...png('001-prediction.png').data], [1, 1, 1, 1]);
  // VOC colours: 0 black, 1 (128, 0, 0), 255 (224, 224, 192).
  const palette = png('000-label.png').palette!;
  assert.deepEqual([palette[0], palette[1], palette[2], palette[255]], [[0, 0, 0], [128, 0, 0], [0, 128, 0], [224, 224, 192]]);
  model.dispose();
});

test('a fashion-scenes job (runJobInDir -> runTraining): short unet-small run, finite metrics, result and examples', async () => {
  // Fashion-MNIST IDX files whose 20 items are solid 200-grey rectangles of class n % 10 (as in
  // test/data/segmentation-data.test.ts), so the run needs no download.
  const dir = mkdtempSync(join(tmpdir(), 'ash-segtask-'));
  const count = 20;
  const images = new Uint8Array(count * 784);
  for (let n = 0; n < count; n++) for (let r = 4; r < 22; r++) for (let c = 5 + (n % 3); c < 20; c++) images[n * 784 + r * 28 + c] = 200;
  const labels = Uint8Array.from({ length: count }, (_, n) => n % 10);
  for (const prefix of ['train', 't10k']) {
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([count, 28, 28], images));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([count], labels));
  }
  await initEngine({ backend: 'wasm' });
  const spec: JobSpec = {
    sweep: 'test',
    label: 'relu',
    task: 'segmentation',
    activation: { name: 'relu' },
    model: 'unet-small',
    dataset: 'fashion-scenes',
    seed: 3,
    backend: 'wasm',
    train: { ...DEFAULT_RECIPE, epochs: 2, batchSize: 4, optimizer: { ...DEFAULT_RECIPE.optimizer, lr: 0.05 } },
    data: { dataDir: dir, trainLimit: 8, testLimit: 4 },
  };
  const jobDir = mkdtempSync(join(tmpdir(), 'ash-segjob-'));
  writeFileSync(join(jobDir, 'spec.json'), JSON.stringify(spec));
  const outcome = await runJobInDir(jobDir);
  // result.json passes the contract's reader, as a report reads it.
  const parsed = parseResult(JSON.parse(readFileSync(join(jobDir, 'result.json'), 'utf8')));
  assert.ok(parsed.ok && parsed.result.task === 'segmentation' && parsed.result.primaryMetric === 'miou', JSON.stringify(parsed).slice(0, 300));
  assert.equal(outcome.primaryMetric, 'miou');
  assert.equal(outcome.task, 'segmentation');
  assert.equal(outcome.status, 'ok', outcome.error);
  assert.deepEqual(Object.keys(outcome.metrics).sort(), ['miou', 'pixelAcc', 'valLoss']);
  for (const [k, v] of Object.entries(outcome.metrics)) assert.ok(typeof v === 'number' && Number.isFinite(v), `${k} = ${v}`);
  assert.ok(outcome.metrics.miou! >= 0 && outcome.metrics.miou! <= 100);
  assert.ok(outcome.metrics.pixelAcc! > 0 && outcome.metrics.pixelAcc! <= 100);
  assert.equal(outcome.history.length, 2);
  assert.deepEqual([outcome.env.trainCount, outcome.env.testCount], [8, 4]);
  // The first 4 validation scenes, whole 64x64 frames, with the trained model's label maps (classes 0..10).
  const examples = ExamplesIndexSchema.parse(JSON.parse(readFileSync(join(jobDir, 'examples', 'index.json'), 'utf8')));
  assert.deepEqual(examples.images.map((i) => i.id), ['test-0', 'test-1', 'test-2', 'test-3']);
  const prediction = decode(readFileSync(join(jobDir, 'examples', examples.images[0]!.prediction)));
  assert.deepEqual([prediction.width, prediction.height], [64, 64]);
  assert.ok([...prediction.data].every((c) => c <= 10));
  // background + the 10 Fashion-MNIST classes, each an IoU in [0, 100] or null where a class never appears.
  const classes = Object.keys(outcome.perClass ?? {});
  assert.equal(classes.length, 11);
  assert.equal(classes[0], 'background');
  for (const [name, record] of Object.entries(outcome.perClass!)) {
    const iou = record.iou;
    assert.ok(iou === null || (typeof iou === 'number' && iou >= 0 && iou <= 100), `${name}: ${iou}`);
  }
  // The background covers most of every scene: its IoU is well above 0 even after two short epochs.
  assert.ok((outcome.perClass!.background!.iou as number) > 30);
});
