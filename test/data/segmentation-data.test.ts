// The segmentation loaders on fixtures in their true formats: a VOCdevkit (JPEG photos, palette-PNG
// SegmentationClass, grey SegmentationClassAug, ImageSets/Segmentation lists), ADEChallengeData2016 (JPEG,
// grey PNG annotations, 0 = other) and fashion-scenes from Fashion-MNIST IDX files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../../src/data/idx.js';
import { loadSegmentationDataset, segmentationDatasetNames } from '../../src/data/registry.js';
import { makeSegmentationBatch } from '../../src/data/segmentation-batches.js';
import { Rng } from '../../src/engine/random.js';
import { IoUAccumulator } from '../../src/tasks/segmentation/metrics.js';
import { logitsToLabels } from '../../src/tasks/segmentation/logits-to-labels.js';
import { writeGreyPng, writePaletteMask } from '../helpers/annotation-fixtures.js';
import { writeImage } from '../helpers/image-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-segdata-'));
const RED = [200, 30, 30];
const BLUE = [30, 30, 200];

/** VOC2012 with train (img_a, 10 wide x 6 high), val (img_v, 4x4) and aug (img_b, 6x6). */
async function writeVoc(root: string): Promise<string> {
  const dir = join(root, 'VOCdevkit', 'VOC2012');
  const lists = join(dir, 'ImageSets', 'Segmentation');
  mkdirSync(lists, { recursive: true });
  writeFileSync(join(lists, 'train.txt'), 'img_a\n');
  writeFileSync(join(lists, 'val.txt'), 'img_v\n');
  writeFileSync(join(lists, 'aug.txt'), 'img_b\n');
  // img_a: left half (columns 0-4) red, a person (15); right half blue, background; top row the 255 border.
  await writeImage(join(dir, 'JPEGImages', 'img_a.jpg'), 10, 6, (r, c, ch) => (c < 5 ? RED : BLUE)[ch]!, 'jpeg');
  writePaletteMask(join(dir, 'SegmentationClass', 'img_a.png'), 10, 6, Uint8Array.from({ length: 60 }, (_, i) => (i < 10 ? 255 : i % 10 < 5 ? 15 : 0)));
  // img_v: columns 0-1 a cat (8), 2-3 background.
  await writeImage(join(dir, 'JPEGImages', 'img_v.jpg'), 4, 4, (r, c, ch) => (c < 2 ? RED : BLUE)[ch]!, 'jpeg');
  writePaletteMask(join(dir, 'SegmentationClass', 'img_v.png'), 4, 4, Uint8Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 8 : 0)));
  // img_b (SBD, converted by mmseg to a grey PNG): all dog (12).
  await writeImage(join(dir, 'JPEGImages', 'img_b.jpg'), 6, 6, () => 90, 'jpeg');
  writeGreyPng(join(dir, 'SegmentationClassAug', 'img_b.png'), 6, 6, new Uint8Array(36).fill(12));
  return dir;
}

test('voc-segmentation: letterboxed frames, masks by nearest neighbour, the original masks kept for scoring', async () => {
  const root = tmp();
  const dir = await writeVoc(root);
  const data = await loadSegmentationDataset('voc-segmentation', { dataDir: root, imageSize: 5 });
  assert.equal(data.numClasses, 21);
  assert.equal(data.classNames[15], 'person');
  assert.deepEqual(data.inputShape, [5, 5, 3]);
  assert.deepEqual(data.evalShape, [5, 5, 3]);
  assert.deepEqual(data.augment, { scale: [0.5, 2], cropSize: 5, flip: true, catMaxRatio: 0.75 });
  assert.deepEqual(data.mean, [0.485, 0.456, 0.406]);
  assert.deepEqual(data.train.ids, ['img_a']);
  // 10x6 into a frame of 5: factor 0.5, content 3 rows x 5 columns; row y, column x read source (2y + 1, 2x + 1).
  assert.deepEqual([...data.train.contentSizes], [3, 5]);
  const row = [15, 15, 0, 0, 0];
  assert.deepEqual([...data.train.masks], [...row, ...row, ...row, ...new Array(10).fill(255)]);
  // Pixels: columns 0-1 red, 3-4 blue (column 2 averages the two halves), within JPEG's error; padding 0.
  const px = (r: number, c: number): number[] => [...data.train.images.subarray((r * 5 + c) * 3, (r * 5 + c) * 3 + 3)];
  for (const [i, want] of RED.entries()) assert.ok(Math.abs(px(1, 0)[i]! - want) < 12, `red ${px(1, 0)}`);
  for (const [i, want] of BLUE.entries()) assert.ok(Math.abs(px(1, 4)[i]! - want) < 12, `blue ${px(1, 4)}`);
  assert.deepEqual(px(4, 4), [0, 0, 0]);
  const original = data.train.originalMasks![0]!;
  assert.deepEqual([original.width, original.height], [10, 6]);
  assert.equal(original.data[3], 255);
  assert.equal(original.data[13], 15);
  // val: 4x4 -> 5x5, columns 0-4 read source floor((x + 0.5) * 0.8) = 0 1 2 2 3.
  assert.deepEqual([...data.val.contentSizes], [5, 5]);
  assert.deepEqual([...data.val.masks.subarray(0, 5)], [8, 8, 0, 0, 0]);

  // The evaluation path: one-hot logits of the frame's labels, resized back to 4x4 (source x = (o + 0.5) *
  // 1.25 - 0.5 = 0.125, 1.375, 2.625, 3.875 -> classes 8 8 0 0), score 100 against the original label.
  const logits = new Float32Array(25 * 21);
  data.val.masks.forEach((label, p) => (logits[p * 21 + label] = 1));
  const pred = logitsToLabels({ data: logits, height: 5, width: 5, numClasses: 21, contentHeight: 5, contentWidth: 5 }, 4, 4);
  assert.deepEqual([...pred.subarray(0, 4)], [8, 8, 0, 0]);
  const acc = new IoUAccumulator(21);
  acc.add(pred, data.val.originalMasks![0]!.data);
  assert.equal(acc.scores().miou, 100);

  const aug = await loadSegmentationDataset('voc-segmentation', { dataDir: root, imageSize: 5, cropSize: 4, augmented: true, trainLimit: 5 });
  assert.deepEqual(aug.train.ids, ['img_a', 'img_b']);
  assert.deepEqual([...aug.train.masks.subarray(25, 50)], new Array(25).fill(12));
  assert.deepEqual(aug.inputShape, [4, 4, 3]);
  assert.deepEqual(aug.evalShape, [5, 5, 3]);

  writePaletteMask(join(dir, 'SegmentationClass', 'img_v.png'), 3, 4, new Uint8Array(12));
  await assert.rejects(loadSegmentationDataset('voc-segmentation', { dataDir: root, imageSize: 5 }), (err: Error) => err.name === 'UserError' && err.message.includes(join(dir, 'SegmentationClass', 'img_v.png')) && /3x4, but its image .* is 4x4/.test(err.message));
});

test('ade20k: grey annotations with reduce-zero-label, 150 classes, at the frame size', async () => {
  const root = join(tmp(), 'ADEChallengeData2016');
  for (const [split, stem] of [['training', 'ADE_train_00000001'], ['validation', 'ADE_val_00000001']]) {
    await writeImage(join(root, 'images', split!, `${stem}.jpg`), 4, 2, (r, c) => 60 * c, 'jpeg');
    writeGreyPng(join(root, 'annotations', split!, `${stem}.png`), 4, 2, Uint8Array.of(0, 1, 2, 150, 3, 3, 3, 3));
  }
  const data = await loadSegmentationDataset('ade20k', { dataDir: root, imageSize: 8 });
  assert.equal(data.numClasses, 150);
  assert.equal(data.classNames.length, 150);
  // 4x2 -> 8x4: columns x read source floor(x / 2); raw 0 1 2 150 -> 255 0 1 149 (0 = other = ignore).
  assert.deepEqual([...data.train.contentSizes], [4, 8]);
  assert.deepEqual([...data.train.masks.subarray(0, 8)], [255, 255, 0, 0, 1, 1, 149, 149]);
  assert.deepEqual([...data.train.masks.subarray(16, 24)], [2, 2, 2, 2, 2, 2, 2, 2]);
  assert.deepEqual([...data.train.masks.subarray(32)], new Array(32).fill(255));
  assert.deepEqual([...data.val.originalMasks![0]!.data], [255, 0, 1, 149, 2, 2, 2, 2]);
});

test('fashion-scenes: grey 64x64 scenes, background + 10 classes, augmented batches keep items on their labels', async () => {
  const dir = tmp();
  // Fashion-MNIST IDX files whose items are solid 200-grey rectangles (class n % 10).
  const count = 20;
  const images = new Uint8Array(count * 784);
  for (let n = 0; n < count; n++) for (let r = 4; r < 22; r++) for (let c = 5 + (n % 3); c < 20; c++) images[n * 784 + r * 28 + c] = 200;
  const labels = Uint8Array.from({ length: count }, (_, n) => n % 10);
  for (const prefix of ['train', 't10k']) {
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([count, 28, 28], images));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([count], labels));
  }
  const data = await loadSegmentationDataset('fashion-scenes', { dataDir: dir, trainLimit: 12, testLimit: 3 });
  assert.deepEqual([data.numClasses, data.classNames[0], data.classNames[1]], [11, 'background', 't-shirt/top']);
  assert.deepEqual(data.inputShape, [64, 64, 1]);
  assert.deepEqual([data.train.count, data.val.count, data.train.size, data.train.channels], [12, 3, 64, 1]);
  assert.equal(data.val.originalMasks, undefined);
  assert.equal(data.augment.catMaxRatio, 1);
  // Mean and std of the training pixels / 255: the canvas is all 0 or 200, so mean = 200/255 * f and
  // std = 200/255 * sqrt(f (1 - f)) for f the share of item pixels.
  const f = data.train.images.filter((v) => v === 200).length / data.train.images.length;
  assert.ok(f > 0 && f < 0.5);
  assert.ok(Math.abs(data.mean[0]! - (200 / 255) * f) < 1e-9);
  assert.ok(Math.abs(data.std[0]! - (200 / 255) * Math.sqrt(f * (1 - f))) < 1e-9);
  // Augmented: item labels sit on bright pixels, background on dark ones; padding is ignore at the mean.
  let item = 0;
  let itemGrey = 0;
  let back = 0;
  let backGrey = 0;
  let padded = 0;
  for (let seed = 0; seed < 4; seed++) {
    const b = makeSegmentationBatch(data, data.train, [0, 1, 2, 3, 4, 5], { rng: new Rng(seed), options: data.augment });
    b.y.forEach((y, p) => {
      const grey = (b.x[p]! * data.std[0]! + data.mean[0]!) * 255;
      if (y === 255) {
        assert.equal(b.x[p], 0);
        padded++;
      } else if (y === 0) {
        back++;
        backGrey += grey;
      } else {
        item++;
        itemGrey += grey;
      }
    });
  }
  assert.ok(padded > 0 && item > 0);
  assert.ok(itemGrey / item > 170, `items average ${itemGrey / item}`);
  assert.ok(backGrey / back < 15, `background averages ${backGrey / back}`);
});

test('the registry names the segmentation datasets and refuses others', async () => {
  assert.deepEqual(segmentationDatasetNames().sort(), ['ade20k', 'fashion-scenes', 'voc-segmentation']);
  assert.throws(() => loadSegmentationDataset('cifar10', {}), /unknown segmentation dataset 'cifar10'.*ade20k, fashion-scenes, voc-segmentation/);
});
