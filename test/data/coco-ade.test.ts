import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { inspectDataset } from '../../src/data/registry.js';
import { loadCoco } from '../../src/data/coco.js';
import { loadAde20k } from '../../src/data/ade20k.js';
import { decodeMask, readMask } from '../../src/data/mask.js';
import { writeCocoSplit, writeGreyPng, writePaletteMask, type CocoFixture } from '../helpers/annotation-fixtures.js';
import { writeImage } from '../helpers/image-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-coco-'));
const quiet = (): void => undefined;

function cocoDoc(): CocoFixture {
  return {
    images: [
      { id: 139, file_name: '000000000139.jpg', width: 640, height: 426 },
      { id: 285, file_name: '000000000285.jpg', width: 586, height: 640 },
      { id: 632, file_name: '000000000632.jpg', width: 640, height: 483 },
    ],
    // Category ids with gaps, listed out of order: contiguous indices follow the id order 1, 3, 90.
    categories: [
      { id: 90, name: 'toothbrush', supercategory: 'indoor' },
      { id: 1, name: 'person', supercategory: 'person' },
      { id: 3, name: 'car', supercategory: 'vehicle' },
    ],
    annotations: [
      { id: 1, image_id: 139, category_id: 1, bbox: [412.8, 157.61, 53.05, 138.01], iscrowd: 0, area: 1 },
      { id: 2, image_id: 139, category_id: 90, bbox: [384.43, 172.21, 15.12, 35.74], iscrowd: 0, area: 1 },
      { id: 3, image_id: 285, category_id: 3, bbox: [0, 50.5, 586, 589.5], iscrowd: 1, area: 1 },
      // A sub-pixel overshoot of the right edge, clipped to the image.
      { id: 4, image_id: 285, category_id: 1, bbox: [500, 10, 86.4, 20], iscrowd: 0, area: 1 },
    ],
  };
}

test('coco: xywh boxes, iscrowd flags, categories mapped to contiguous indices in id order', async () => {
  const root = tmp();
  writeCocoSplit(root, 'val2017', cocoDoc());
  const data = await loadCoco({ dataDir: root, warn: quiet });
  assert.deepEqual(data.classNames, ['person', 'car', 'toothbrush']);
  const val = data.splits.val2017!;
  assert.deepEqual(val.map((r) => r.id), ['139', '285', '632']);
  assert.equal(val[0]!.file, join(root, 'val2017', '000000000139.jpg'));
  assert.deepEqual([...val[0]!.classes], [0, 2]);
  assert.deepEqual([...val[0]!.boxes].map((v) => Math.round(v * 100) / 100), [412.8, 157.61, 53.05, 138.01, 384.43, 172.21, 15.12, 35.74]);
  assert.deepEqual([...val[1]!.flags], [1, 0]);
  assert.deepEqual([...val[1]!.classes], [1, 0]);
  assert.ok(Math.abs(val[1]!.boxes[6]! - 86) < 1e-4, 'clipped to the right edge');
  assert.equal(val[2]!.classes.length, 0, 'an image without annotations is kept');
  assert.deepEqual(await inspectDataset('coco', { dataDir: root, warn: quiet }), { dataset: 'coco', splits: { val2017: { count: 3, objects: 4, classes: 3 } } });
});

test('coco: a box outside its image is skipped with one warning that counts them', async () => {
  const root = tmp();
  const doc = cocoDoc();
  doc.annotations.push({ id: 77, image_id: 632, category_id: 3, bbox: [600, 10, 80, 20], iscrowd: 0, area: 1 });
  doc.annotations.push({ id: 78, image_id: 632, category_id: 3, bbox: [10, 10, 0, 20], iscrowd: 0, area: 1 });
  const file = writeCocoSplit(root, 'val2017', doc);
  const warnings: string[] = [];
  const data = await loadCoco({ dataDir: root, warn: (m) => warnings.push(m) });
  assert.equal(data.splits.val2017![2]!.classes.length, 0);
  assert.deepEqual(warnings, [`${file}: skipped 2 annotation(s) whose box is empty or outside its image; first: annotations[4] (id 77): bbox [600, 10, 80, 20] outside image 632 (640x483)`]);
});

test('coco: structural errors name the file and the field', async () => {
  const cases: [(d: CocoFixture) => unknown, RegExp][] = [
    [(d) => ({ ...d, annotations: undefined }), /instances_val2017\.json: field 'annotations' is missing/],
    [(d) => ({ ...d, annotations: [{ ...d.annotations[0]!, image_id: 5 }] }), /annotations\[0\] \(id 1\): image_id 5 is not in 'images'/],
    [(d) => ({ ...d, annotations: [{ ...d.annotations[0]!, category_id: 2 }] }), /annotations\[0\] \(id 1\): category_id 2 is not in 'categories'/],
    [(d) => ({ ...d, annotations: [{ ...d.annotations[0]!, bbox: [1, 2, 3] }] }), /annotations\[0\] \(id 1\): field 'bbox' must be \[x, y, w, h\] numbers, got \[1,2,3\]/],
    [(d) => ({ ...d, images: [{ id: 1, file_name: 'a.jpg', width: 'wide', height: 3 }] }), /images\[0\]: field 'width' is "wide", not a number/],
  ];
  for (const [mutate, expected] of cases) {
    const root = tmp();
    writeCocoSplit(root, 'val2017', mutate(cocoDoc()) as Record<string, unknown>);
    await assert.rejects(loadCoco({ dataDir: root, warn: quiet }), expected);
  }
  const root = tmp();
  writeCocoSplit(root, 'val2017', {});
  writeFileSync(join(root, 'annotations', 'instances_val2017.json'), '{"images": [');
  await assert.rejects(loadCoco({ dataDir: root }), /instances_val2017\.json: not valid JSON/);
});

test('ade20k: grey PNG annotations, 0 becomes ignore (255) and 1..150 become 0..149', async () => {
  const root = join(tmp(), 'ADEChallengeData2016');
  for (const [split, stems] of [['training', ['ADE_train_00000001', 'ADE_train_00000002']], ['validation', ['ADE_val_00000001']]] as const) {
    for (const stem of stems) {
      await writeImage(join(root, 'images', split, `${stem}.jpg`), 8, 6, () => 100, 'jpeg');
      writeGreyPng(join(root, 'annotations', split, `${stem}.png`), 8, 6, Uint8Array.from({ length: 48 }, (_, i) => [0, 1, 150, 13][i % 4]!));
    }
  }
  const data = await loadAde20k({ dataDir: join(root, '..') });
  assert.deepEqual(Object.fromEntries(Object.entries(data.splits).map(([k, v]) => [k, v.map((r) => r.id)])), {
    training: ['ADE_train_00000001', 'ADE_train_00000002'],
    validation: ['ADE_val_00000001'],
  });
  const mask = await readMask(data.splits.training![0]!.maskFile, 'ade20k', 150);
  assert.deepEqual([...mask.data.subarray(0, 4)], [255, 0, 149, 12]);
  assert.deepEqual(await inspectDataset('ade20k', { dataDir: root }), { dataset: 'ade20k', splits: { training: { count: 2, numClasses: 150 }, validation: { count: 1, numClasses: 150 } } });
});

test('masks: values outside the classes and non-index PNGs are errors naming the file and pixel', () => {
  const dir = tmp();
  const bad = join(dir, 'bad.png');
  writePaletteMask(bad, 4, 2, Uint8Array.from([0, 1, 2, 3, 4, 30, 255, 0]));
  assert.throws(() => decodeMask(readFileSync(bad), bad, 'voc', 21), /bad\.png: pixel \(x 1, y 1\) has value 30, outside the 21 classes and 255 \(ignore\)/);
  const rgb = encode({ width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]), channels: 3, depth: 8 });
  assert.throws(() => decodeMask(rgb, 'rgb.png', 'voc', 21), /rgb\.png: a mask must be an 8-bit palette or grey PNG, got 3 channel\(s\) of 8 bits/);
  assert.throws(() => decodeMask(Uint8Array.from([1, 2, 3]), 'junk.png', 'ade20k', 150), /junk\.png: not a readable PNG/);
});
