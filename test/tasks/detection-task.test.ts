// The detection task: its evaluation on a fake detector whose detections are fixed (a hand-computed mAP, and
// the same numbers as evaluateCoco called directly), and one short training run per CPU detector through the
// task registry on fashion-scenes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { detectionInputSize, evaluateDetector, type DetectionTestSet } from '../../src/tasks/detection/index.js';
import { UserError } from '../../src/engine/errors.js';
import { evaluateCoco } from '../../src/tasks/detection/coco-eval.js';
import { runJobInDir } from '../../src/runner/job-process.js';
import { getModel } from '../../src/models/registry.js';
import { parseResult } from '../../src/contract/result.js';
import { ExamplesIndexSchema } from '../../src/contract/examples.js';
import { DEFAULT_RECIPE } from '../../src/contract/recipe.js';
import type { JobSpec } from '../../src/contract/spec.js';
import type { DetectionSource } from '../../src/data/detection-data.js';
import type { DetectionRecord } from '../../src/data/types.js';
import type { Detections, Detector } from '../../src/models/detection/types.js';
import { writeMnistFixture } from '../helpers/idx-fixtures.js';
import { decode } from 'fast-png';
import { drawBoxes, vocColour, writeDetectionExamples } from '../../src/tasks/detection/examples.js';

const close = (actual: number | null | undefined, expected: number, what: string, tol = 1e-9): void =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < tol, `${what}: ${actual} vs ${expected}`);

// Two 20x20 grey images; the fake detector sees them at 10x10, so its boxes are half the original ones and
// the task must double them back. Ground truth (original pixels, [x, y, w, h]):
//   image a: class 0 at (0, 0, 10, 10), class 1 at (10, 10, 10, 10)
//   image b: class 0 at (5, 5, 10, 10)
const records: DetectionRecord[] = [
  { id: 'a', file: '', width: 20, height: 20, boxes: Float32Array.from([0, 0, 10, 10, 10, 10, 10, 10]), classes: Int32Array.from([0, 1]), flags: new Uint8Array(2) },
  { id: 'b', file: '', width: 20, height: 20, boxes: Float32Array.from([5, 5, 10, 10]), classes: Int32Array.from([0]), flags: new Uint8Array(1) },
];
const source: DetectionSource = {
  count: 2,
  channels: 1,
  id: (i) => records[i]!.id,
  scene: async (i) => ({ width: 20, height: 20, channels: 1, pixels: new Uint8Array(400), boxes: records[i]!.boxes, classes: records[i]!.classes, flags: records[i]!.flags }),
};
// Detections in the detector's 10x10 input pixels (corners), i.e. original / 2:
//   a: class 0 exactly on its object, score 0.9                      -> original (0, 0, 10, 10)
//      class 1 over the top 6.2 rows of its object, score 0.6       -> original (10, 10, 20, 16.2): IoU 0.62
//      class 2 anywhere, score 0.5 (class 2 has no ground truth: left out of every mean)
//   b: class 0 in the wrong place, score 0.8                         -> original (10, 0, 20, 4): IoU 0
//      class 0 exactly on its object, score 0.7
const fixed: Detections[] = [
  {
    boxes: Float32Array.from([0, 0, 5, 5, 5, 5, 10, 8.1, 0, 0, 4, 4]),
    scores: Float32Array.from([0.9, 0.6, 0.5]),
    classes: Int32Array.from([0, 1, 2]),
  },
  { boxes: Float32Array.from([5, 0, 10, 2, 2.5, 2.5, 7.5, 7.5]), scores: Float32Array.from([0.8, 0.7]), classes: Int32Array.from([0, 0]) },
];

/** A detector whose detect() returns `fixed` for the images in order, whatever the pixels. */
function fakeDetector(): Detector {
  let next = 0;
  return {
    inputSize: [10, 10],
    numClasses: 3,
    encodeTargets: () => {
      throw new Error('not for training');
    },
    loss: () => {
      throw new Error('not for training');
    },
    detect: (images) => {
      assert.deepEqual(images.shape.slice(1), [10, 10, 1]);
      return Array.from({ length: images.shape[0] }, () => fixed[next++]!);
    },
  };
}

const testSet = (protocol: DetectionTestSet['protocol']): DetectionTestSet => ({ source, records, classNames: ['zero', 'one', 'two'], mean: [0], std: [1], protocol });

test('evaluate (COCO protocol): a fixed detector gives the hand-computed COCOeval mAP, per class and overall', async () => {
  await tf.setBackend('cpu');
  // Class 0, detections by score: a 0.9 TP, b 0.8 FP, b 0.7 TP (IoU 1 at every threshold), 2 objects:
  //   precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1; the envelope is 1 up to recall 0.5 and 2/3 above.
  //   101-point AP: recall thresholds 0.00..0.50 (51 of them) read 1, 0.51..1.00 (50) read 2/3:
  //   AP = (51 + 50 * 2/3) / 101 = 0.834983498..., the same at all ten IoU thresholds.
  // Class 1: one object, one detection with IoU 62/100 = 0.62: a TP at IoU 0.50, 0.55, 0.60 (AP 1) and a FP
  //   at 0.65..0.95 (AP 0): AP50 = 100, AP = 3/10 = 30, AP75 = 0.
  // Class 2: no ground truth: AP null, left out of the means.
  const ap0 = ((51 + (50 * 2) / 3) / 101) * 100;
  const result = await evaluateDetector(fakeDetector(), testSet('coco'), 1);
  close(result.metrics.map50, (ap0 + 100) / 2, 'map50');
  close(result.metrics.map, (ap0 + 30) / 2, 'map');
  close(result.metrics.map75, (ap0 + 0) / 2, 'map75');
  close(result.perClass!.zero!.ap50 as number, ap0, 'zero ap50');
  close(result.perClass!.one!.ap as number, 30, 'one ap');
  assert.deepEqual(result.perClass!.two, { ap50: null, ap: null });
  // The same numbers as evaluateCoco on the original-pixel boxes written out by hand.
  const direct = evaluateCoco({
    imageIds: [1, 2],
    categories: [{ id: 1, name: 'zero' }, { id: 2, name: 'one' }, { id: 3, name: 'two' }],
    annotations: [
      { id: 1, imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: false },
      { id: 2, imageId: 1, categoryId: 2, bbox: [10, 10, 10, 10], area: 100, iscrowd: false },
      { id: 3, imageId: 2, categoryId: 1, bbox: [5, 5, 10, 10], area: 100, iscrowd: false },
    ],
    detections: [
      { imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10], score: 0.9 },
      { imageId: 1, categoryId: 2, bbox: [10, 10, 10, 6.2], score: 0.6 },
      { imageId: 1, categoryId: 3, bbox: [0, 0, 8, 8], score: 0.5 },
      { imageId: 2, categoryId: 1, bbox: [10, 0, 10, 4], score: 0.8 },
      { imageId: 2, categoryId: 1, bbox: [5, 5, 10, 10], score: 0.7 },
    ],
  });
  close(result.metrics.map50, direct.map50!, 'map50 vs evaluateCoco', 1e-4);
  close(result.metrics.map, direct.map!, 'map vs evaluateCoco', 1e-4);
  close(result.metrics.map75, direct.map75!, 'map75 vs evaluateCoco', 1e-4);
});

test('evaluate (VOC07 protocol): 11-point AP@0.5 with the devkit +1 boxes; no map or map75', async () => {
  await tf.setBackend('cpu');
  // Class 0: precision 1 up to recall 0.5, 2/3 at recall 1. 11-point: t = 0, 0.1, ..., 0.5 (6 points) read 1,
  //   t = 0.6..1.0 (5 points) read 2/3: AP = (6 + 5 * 2/3) / 11 = 0.848484...
  // Class 1: VOC boxes (11, 11, 20, 20) and (11, 11, 20, 16.2): inclusive areas 100 and 10 * 6.2 = 62, IoU 0.62 > 0.5: AP 1.
  const ap0 = ((6 + (5 * 2) / 3) / 11) * 100;
  const result = await evaluateDetector(fakeDetector(), testSet('voc07'), 2);
  close(result.metrics.map50, (ap0 + 100) / 2, 'map50', 1e-4);
  assert.ok(Number.isNaN(result.metrics.map) && Number.isNaN(result.metrics.map75));
  close(result.perClass!.zero!.ap50 as number, ap0, 'zero ap50', 1e-4);
  assert.deepEqual(result.perClass!.two, { ap50: null, ap: null });
});

test('drawBoxes outlines each box in its class colour (VOC colour map, class c as index c + 1) over a grey image', () => {
  // 5x5 grey 50; box [0, 0, 4, 4] covers pixels 0..3: its outline is rows 0 and 3 and columns 0 and 3 of that square.
  const rgb = drawBoxes(new Uint8Array(25).fill(50), 5, 5, 1, [0, 0, 4, 4], [0]);
  const at = (x: number, y: number) => [...rgb.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3)];
  assert.deepEqual(vocColour(1), [128, 0, 0]);
  assert.deepEqual(vocColour(3), [128, 128, 0]);
  for (const [x, y] of [[0, 0], [3, 0], [0, 3], [3, 3], [2, 0], [0, 2]]) assert.deepEqual(at(x!, y!), [128, 0, 0], `${x},${y}`);
  for (const [x, y] of [[1, 1], [2, 2], [4, 4], [4, 0]]) assert.deepEqual(at(x!, y!), [50, 50, 50], `${x},${y}`);
});

test('writeDetectionExamples: input, ground truth and detections drawn at the original size, and their index', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ash-detex-'));
  const index = await writeDetectionExamples(fakeDetector(), testSet('coco'), dir, 4);
  // Two images exist; 4 were asked for.
  assert.deepEqual(index.images.map((i) => [i.id, i.input, i.label, i.prediction]), [
    ['a', '000-input.png', '000-label.png', '000-prediction.png'],
    ['b', '001-input.png', '001-label.png', '001-prediction.png'],
  ]);
  assert.deepEqual(ExamplesIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'examples', 'index.json'), 'utf8'))), index);
  const rgbAt = (file: string, x: number, y: number) => {
    const image = decode(readFileSync(join(dir, 'examples', file)));
    assert.deepEqual([image.width, image.height, image.channels], [20, 20, 3]);
    return [...image.data.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)];
  };
  // Image a's detections, doubled back to 20x20: class 0 (0, 0, 10, 10) -> outline through (9, 9); class 2
  // (0, 0, 8, 8) drawn after it -> (7, 3); class 1 (10, 10, 20, 16.2) -> (19, 16); inside stays black.
  assert.deepEqual(rgbAt('000-prediction.png', 9, 9), [128, 0, 0]);
  assert.deepEqual(rgbAt('000-prediction.png', 7, 3), [128, 128, 0]);
  assert.deepEqual(rgbAt('000-prediction.png', 19, 16), [0, 128, 0]);
  assert.deepEqual(rgbAt('000-prediction.png', 5, 5), [0, 0, 0]);
  // Image b's ground truth: class 0 at (5, 5, 10, 10) -> pixels 5..14, outline at (14, 9); the input has no boxes.
  assert.deepEqual(rgbAt('001-label.png', 14, 9), [128, 0, 0]);
  assert.deepEqual(rgbAt('001-input.png', 14, 9), [0, 0, 0]);
  const boxes = JSON.parse(readFileSync(join(dir, 'examples', 'detections.json'), 'utf8'));
  assert.deepEqual(boxes.images[1].scores.map((s: number) => Math.round(s * 10) / 10), [0.8, 0.7]);
});

test('input sizes: the paper detectors at their references\' sizes, the CPU ones at the 64x64 canvas; a classifier is refused', () => {
  assert.deepEqual(['ssd300', 'yolov5s', 'maskrcnn-r50-fpn', 'ssd-small', 'yolo-small', 'maskrcnn-small'].map(detectionInputSize), [300, 640, 800, 64, 64, 64]);
  assert.throws(() => detectionInputSize('resnet20'), (err: unknown) => err instanceof UserError && /'resnet20' is not a detection model \(.*ssd300.*maskrcnn-small/.test(err.message));
});

test('every variable a CPU detector creates is in its LayersModel (what the loop trains, checkpoints and saves)', async () => {
  await tf.setBackend('cpu');
  for (const model of ['ssd-small', 'yolo-small', 'maskrcnn-small']) {
    const before = new Set(Object.keys(tf.engine().registeredVariables));
    const built = getModel(model).build({ activation: { name: 'ash' }, numClasses: 10, inputShape: [64, 64, 1], seed: 1 });
    const created = Object.keys(tf.engine().registeredVariables).filter((name) => !before.has(name));
    const held = new Set(built.model.weights.map((w) => (w.read() as tf.Variable).name));
    assert.ok(created.length > 0);
    assert.deepEqual(created.filter((name) => !held.has(name)), [], `${model}: variables outside model.weights`);
    assert.equal(held.size, created.length, model);
    built.model.dispose();
  }
});

for (const model of ['ssd-small', 'yolo-small', 'maskrcnn-small']) {
  test(`a job (runJobInDir -> runTraining): a short ${model} run on fashion-scenes ends with finite mAPs and per-class AP`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ash-dettask-'));
    writeMnistFixture(dir, { gzip: false, train: 20, test: 10 });
    await initEngine({ backend: 'wasm' });
    const spec: JobSpec = {
      sweep: 'test',
      label: 'ash',
      task: 'detection',
      activation: { name: 'ash' },
      model,
      dataset: 'fashion-scenes',
      seed: 1,
      backend: 'wasm',
      train: { ...DEFAULT_RECIPE, epochs: 1, batchSize: 4, optimizer: { ...DEFAULT_RECIPE.optimizer, lr: 0.01 } },
      data: { dataDir: dir, trainLimit: 8, testLimit: 4 },
    };
    const jobDir = mkdtempSync(join(tmpdir(), 'ash-detjob-'));
    writeFileSync(join(jobDir, 'spec.json'), JSON.stringify(spec));
    // runJobInDir -> runTraining (the task registry) -> result.json, read back as a report reads it.
    const outcome = await runJobInDir(jobDir);
    const parsed = parseResult(JSON.parse(readFileSync(join(jobDir, 'result.json'), 'utf8')));
    assert.ok(parsed.ok && parsed.result.task === 'detection' && parsed.result.primaryMetric === 'map50', JSON.stringify(parsed).slice(0, 300));
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.task, 'detection');
    assert.deepEqual(Object.keys(outcome.metrics).sort(), ['map', 'map50', 'map75']);
    for (const [k, v] of Object.entries(outcome.metrics)) assert.ok(typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100, `${k} = ${v}`);
    assert.ok(Number.isFinite(outcome.history[0]!.trainLoss) && outcome.history[0]!.trainLoss > 0);
    assert.deepEqual([outcome.env.trainCount, outcome.env.testCount], [8, 4]);
    // The job left its example pictures (the first 4 test scenes, 64x64, boxes drawn) for the report.
    const examples = ExamplesIndexSchema.parse(JSON.parse(readFileSync(join(jobDir, 'examples', 'index.json'), 'utf8')));
    assert.equal(examples.kind, 'detection');
    assert.deepEqual(examples.images.map((i) => i.id), ['test-0', 'test-1', 'test-2', 'test-3']);
    const picture = decode(readFileSync(join(jobDir, 'examples', examples.images[0]!.prediction)));
    assert.deepEqual([picture.width, picture.height, picture.channels], [64, 64, 3]);
    // The 10 Fashion-MNIST classes, each with ap50 and ap (null for a class absent from the 4 test scenes).
    assert.equal(Object.keys(outcome.perClass ?? {}).length, 10);
    for (const [name, r] of Object.entries(outcome.perClass!)) {
      for (const key of ['ap50', 'ap']) assert.ok(r[key] === null || (typeof r[key] === 'number' && r[key] >= 0 && r[key] <= 100), `${name}.${key}: ${r[key]}`);
    }
  });
}
