import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeScenes } from '../../src/data/fashion-scenes.js';
import { IMAGENET_STATS, instanceMasks, normalisedImages, openDetectionData, readDetectionBatch, recordSource, sceneSource, trainTestRecords } from '../../src/data/detection-data.js';
import { writeMnistFixture } from '../helpers/idx-fixtures.js';
import { loadVocDetection } from '../../src/data/voc.js';
import { loadCoco } from '../../src/data/coco.js';
import { Rng } from '../../src/engine/random.js';
import { UserError } from '../../src/engine/errors.js';
import { writeCocoSplit, writeVocDevkit, type VocImage } from '../helpers/annotation-fixtures.js';
import { writeImage } from '../helpers/image-fixtures.js';
import { shapeItems } from '../helpers/detection-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-detdata-'));

test('fashion-scenes batches: corner boxes, instance masks that match the class mask, meta', async () => {
  const split = composeScenes(shapeItems(30), 4, 'train', { canvas: 64, minItems: 2, maxItems: 3, seed: 7, threshold: 16 });
  const source = sceneSource(split, 64);
  const batch = await readDetectionBatch(source, [1, 3], { inputSize: [64, 64] });
  assert.deepEqual(batch.shape, [2, 64, 64, 1]);
  assert.deepEqual(batch.images.subarray(0, 4096), split.images.subarray(4096, 8192));
  batch.truth.forEach((t, b) => {
    const r = split.records[[1, 3][b]!]!;
    // [x, y, w, h] -> [x, y, x + w, y + h]
    for (let k = 0; k < r.classes.length; k++) {
      assert.deepEqual([...t.boxes.subarray(k * 4, k * 4 + 4)], [r.boxes[k * 4]!, r.boxes[k * 4 + 1]!, r.boxes[k * 4]! + r.boxes[k * 4 + 2]!, r.boxes[k * 4 + 1]! + r.boxes[k * 4 + 3]!]);
    }
    // Every class-mask pixel of the scene belongs to exactly one instance mask.
    const classMask = split.masks.subarray([1, 3][b]! * 4096, ([1, 3][b]! + 1) * 4096);
    const covered = new Uint8Array(4096);
    for (let k = 0; k < r.classes.length; k++) for (let i = 0; i < 4096; i++) covered[i]! += t.masks![k * 4096 + i]!;
    for (let i = 0; i < 4096; i++) assert.equal(covered[i], classMask[i]! > 0 ? 1 : 0);
  });
  assert.deepEqual(batch.meta[0], { id: 'train-1', width: 64, height: 64, scaleX: 1, scaleY: 1 });
  // At 32x32 the boxes halve and the meta says so.
  const half = await readDetectionBatch(source, [1], { inputSize: [32, 32] });
  const full = batch.truth[0]!.boxes;
  half.truth[0]!.boxes.forEach((v, i) => assert.ok(Math.abs(v - full[i]! / 2) < 1e-5));
  assert.equal(half.meta[0]!.scaleX, 0.5);
  // Normalisation: (v / 255 - mean) / std.
  const norm = normalisedImages(half, [0.5], [0.25]);
  assert.ok(Math.abs(norm[100]! - (half.images[100]! / 255 - 0.5) / 0.25) < 1e-6);
});

test('augmented batches keep boxes, masks and pixels together (flip, scale jitter, crop / pad)', async () => {
  const split = composeScenes(shapeItems(30), 6, 'train', { canvas: 64, minItems: 1, maxItems: 3, seed: 3, threshold: 16 });
  const rng = new Rng(9);
  const batch = await readDetectionBatch(sceneSource(split, 64), [0, 1, 2, 3, 4, 5], { inputSize: [64, 64], augment: { rng, flip: true, scale: [0.6, 1.4] } });
  let maskPixels = 0;
  batch.truth.forEach((t, b) => {
    for (let k = 0; k < t.classes.length; k++) {
      const [x0, y0, x1, y1] = t.boxes.subarray(k * 4, k * 4 + 4) as unknown as number[];
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          if (!t.masks![k * 4096 + y * 64 + x]) continue;
          maskPixels++;
          // A mask pixel lies inside its box, on an item pixel (the shapes are grey 120-210 on black).
          assert.ok(x >= Math.floor(x0!) && x < Math.ceil(x1!) && y >= Math.floor(y0!) && y < Math.ceil(y1!), `image ${b} object ${k}: mask pixel (${x}, ${y}) outside its box`);
          assert.ok(batch.images[b * 4096 + y * 64 + x]! >= 16);
        }
      }
    }
  });
  assert.ok(maskPixels > 500, `${maskPixels} mask pixels`);
});

test('VOC: 07+12 trainval for training, 07 test for testing, resized boxes, difficult flags kept', async () => {
  const root = tmp();
  const img = (id: string, difficult: 0 | 1 = 0): VocImage => ({ id, width: 40, height: 30, objects: [{ name: 'dog', xmin: 1, ymin: 1, xmax: 20, ymax: 15, difficult }, { name: 'cat', xmin: 21, ymin: 11, xmax: 40, ymax: 30 }] });
  await writeVocDevkit(root, 'VOC2007', { trainval: [img('000001'), img('000002')], test: [img('000003', 1)] });
  await writeVocDevkit(root, 'VOC2012', { trainval: [img('2008_000001')] });
  const { train, test: testRecords } = trainTestRecords(await loadVocDetection({ dataDir: root }));
  assert.deepEqual(train.map((r) => r.id), ['000001', '000002', '2008_000001']);
  assert.deepEqual(testRecords.map((r) => r.id), ['000003']);
  const batch = await readDetectionBatch(recordSource(testRecords), [0], { inputSize: [15, 20] });
  assert.deepEqual(batch.shape, [1, 15, 20, 3]);
  // VOC (1, 1)-(20, 15) is [0, 0, 20, 15] in pixel corners; x by 20/40, y by 15/30: [0, 0, 10, 7.5].
  // (21, 11)-(40, 30) -> [20, 10, 40, 30] -> [10, 5, 20, 15].
  assert.deepEqual([...batch.truth[0]!.boxes], [0, 0, 10, 7.5, 10, 5, 20, 15]);
  assert.deepEqual([...batch.truth[0]!.flags], [1, 0]);
  assert.deepEqual([...batch.truth[0]!.classes], [11, 7]);
  assert.equal(batch.truth[0]!.masks, undefined);
  assert.deepEqual(batch.meta[0], { id: '000003', width: 40, height: 30, scaleX: 0.5, scaleY: 0.5 });
  const opened = await openDetectionData('voc-detection', { dataDir: root, trainLimit: 2 });
  assert.deepEqual([opened.train.count, opened.test.count, opened.train.channels], [2, 1, 3]);
  assert.deepEqual(opened.testRecords.map((r) => r.id), ['000003']);
  assert.deepEqual([opened.mean, opened.std], [IMAGENET_STATS.mean, IMAGENET_STATS.std]);
  await assert.rejects(openDetectionData('cifar10', { dataDir: root }), (err: unknown) => err instanceof UserError && /'cifar10' is not a detection dataset/.test(err.message));
});

test('openDetectionData: fashion-scenes from Fashion-MNIST IDX files, grey statistics of the training scenes', async () => {
  const dir = tmp();
  writeMnistFixture(dir, { gzip: false, train: 20, test: 10 });
  const opened = await openDetectionData('fashion-scenes', { dataDir: dir, trainLimit: 3, testLimit: 2 });
  assert.deepEqual([opened.train.count, opened.test.count, opened.train.channels], [3, 2, 1]);
  assert.equal(opened.testRecords.length, 2);
  // The mean by hand over the three 64x64 training canvases.
  const batch = await readDetectionBatch(opened.train, [0, 1, 2], { inputSize: [64, 64] });
  const mean = batch.images.reduce((a, v) => a + v, 0) / (batch.images.length * 255);
  assert.ok(Math.abs(opened.mean[0]! - mean) < 1e-9);
  assert.ok(opened.std[0]! > 0);
});

test('COCO: train2017 / val2017, crowd flags kept; a dataset without its test split is a UserError', async () => {
  const root = tmp();
  const doc = (split: string): Record<string, unknown> => ({
    images: [{ id: 7, file_name: `${split}-7.png`, width: 32, height: 16 }],
    annotations: [
      { id: 1, image_id: 7, category_id: 3, bbox: [4, 2, 8, 6], iscrowd: 0, area: 48 },
      { id: 2, image_id: 7, category_id: 1, bbox: [16, 0, 16, 16], iscrowd: 1, area: 256 },
    ],
    categories: [{ id: 1, name: 'person', supercategory: 'person' }, { id: 3, name: 'car', supercategory: 'vehicle' }],
  });
  for (const split of ['train2017', 'val2017']) {
    writeCocoSplit(root, split, doc(split));
    await writeImage(join(root, split, `${split}-7.png`), 32, 16, (r, c) => (r * 16 + c) % 256);
  }
  const { test: val } = trainTestRecords(await loadCoco({ dataDir: root }));
  const batch = await readDetectionBatch(recordSource(val), [0], { inputSize: [8, 16] });
  // Halved: [4, 2, 12, 8] -> [2, 1, 6, 4]; [16, 0, 32, 16] -> [8, 0, 16, 8].
  assert.deepEqual([...batch.truth[0]!.boxes], [2, 1, 6, 4, 8, 0, 16, 8]);
  assert.deepEqual([...batch.truth[0]!.classes], [1, 0]);
  assert.deepEqual([...batch.truth[0]!.flags], [0, 1]);
  const onlyTrain = tmp();
  writeCocoSplit(onlyTrain, 'train2017', doc('train2017'));
  await assert.rejects(
    async () => trainTestRecords(await loadCoco({ dataDir: onlyTrain })),
    (err: unknown) => err instanceof UserError && /no val2017 split for testing \(found: train2017\)/.test(err.message),
  );
});

test('instance masks: none without a class mask', () => {
  assert.equal(instanceMasks({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(4), boxes: new Float32Array([0, 0, 1, 1]), classes: Int32Array.from([0]), flags: new Uint8Array(1) }), undefined);
});
