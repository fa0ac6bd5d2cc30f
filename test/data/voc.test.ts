import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectDataset } from '../../src/data/registry.js';
import { loadVocDetection, loadVocSegmentation, parseVocXml, VOC_CLASSES } from '../../src/data/voc.js';
import { readMask } from '../../src/data/mask.js';
import { vocXml, writeVocDevkit, type VocImage } from '../helpers/annotation-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-voc-'));

const IMAGES: VocImage[] = [
  { id: '000005', width: 50, height: 40, objects: [{ name: 'chair', xmin: 3, ymin: 5, xmax: 20, ymax: 30 }, { name: 'person', xmin: 10, ymin: 1, xmax: 50, ymax: 40, difficult: 1 }] },
  { id: '000007', width: 30, height: 20, objects: [{ name: 'car', xmin: 1, ymin: 1, xmax: 30, ymax: 20 }] },
];
const VAL: VocImage[] = [{ id: '000009', width: 20, height: 20, objects: [{ name: 'tvmonitor', xmin: 2, ymin: 2, xmax: 5, ymax: 6 }, { name: 'dog', xmin: 6, ymin: 6, xmax: 9, ymax: 9 }, { name: 'dog', xmin: 1, ymin: 1, xmax: 2, ymax: 2 }] }];

test('VOC XML: 1-based inclusive corners become [x, y, w, h], difficult kept, standard class order', () => {
  const r = parseVocXml(vocXml(IMAGES[0]!), 'a.xml');
  assert.equal(r.id, '000005');
  assert.equal(r.width, 50);
  assert.equal(r.height, 40);
  assert.deepEqual([...r.boxes], [2, 4, 18, 26, 9, 0, 41, 40]);
  assert.deepEqual([...r.classes], [VOC_CLASSES.indexOf('chair'), VOC_CLASSES.indexOf('person')]);
  assert.deepEqual([...r.classes], [8, 14]);
  assert.deepEqual([...r.flags], [0, 1]);
});

test('VOC XML with a missing field, an unknown class or a box outside the image names file and object', () => {
  assert.throws(() => parseVocXml(vocXml(IMAGES[0]!, { object: 1, field: 'xmax' }), '/d/000005.xml'), /\/d\/000005\.xml: object 2: missing <bndbox><xmax>/);
  assert.throws(() => parseVocXml(vocXml(IMAGES[0]!, { object: 0, field: 'name' }), 'x.xml'), /x\.xml: object 1: missing <name>/);
  assert.throws(() => parseVocXml(vocXml({ ...IMAGES[1]!, objects: [{ name: 'cart', xmin: 1, ymin: 1, xmax: 2, ymax: 2 }] }), 'c.xml'), /c\.xml: object 1: class 'cart' is not one of the 20 VOC classes/);
  assert.throws(() => parseVocXml(vocXml({ ...IMAGES[1]!, objects: [{ name: 'car', xmin: 1, ymin: 1, xmax: 31, ymax: 2 }] }), 'o.xml'), /o\.xml: object 1: box \(1, 1\)-\(31, 2\) is not inside the 30x20 image/);
  assert.throws(() => parseVocXml('<annotation><size><width>3</width></size></annotation>', 'h.xml'), /h\.xml: missing <size><height>/);
  assert.throws(() => parseVocXml('<annotation><size><width>3</width><height>x</height></size></annotation>', 'n.xml'), /n\.xml: <size><height> is 'x', not a number/);
});

test('voc-detection reads the ImageSets splits (not the per-class lists) and inspect counts every box', async () => {
  const root = tmp();
  await writeVocDevkit(root, 'VOC2007', { train: IMAGES, val: VAL });
  const data = await loadVocDetection({ dataDir: root });
  assert.deepEqual(Object.keys(data.splits).sort(), ['VOC2007/train', 'VOC2007/val']);
  const train = data.splits['VOC2007/train']!;
  assert.deepEqual(train.map((r) => r.id), ['000005', '000007']);
  assert.match(train[1]!.file, /VOC2007\/JPEGImages\/000007\.jpg$/);
  assert.deepEqual([...train[1]!.boxes], [0, 0, 30, 20]);
  assert.deepEqual(await inspectDataset('voc-detection', { dataDir: root }), {
    dataset: 'voc-detection',
    splits: { 'VOC2007/train': { count: 2, objects: 3, classes: 20 }, 'VOC2007/val': { count: 1, objects: 3, classes: 20 } },
  });
  // The year folder itself works as the root too.
  assert.equal(Object.keys((await loadVocDetection({ dataDir: join(root, 'VOCdevkit', 'VOC2007') })).splits).length, 2);
});

test('voc-detection: a listed id without its XML names the list and the missing file', async () => {
  const root = tmp();
  const dir = await writeVocDevkit(root, 'VOC2012', { train: IMAGES });
  writeFileSync(join(dir, 'ImageSets', 'Main', 'train.txt'), '000005\n001234\n');
  await assert.rejects(loadVocDetection({ dataDir: root }), /train\.txt: lists '001234' but .*Annotations\/001234\.xml does not exist/);
});

test('voc-segmentation: palette PNG indices are the classes, 255 is kept as ignore', async () => {
  const root = tmp();
  await writeVocDevkit(root, 'VOC2012', { train: IMAGES }, ['000005']);
  const data = await loadVocSegmentation({ dataDir: root });
  assert.deepEqual(Object.keys(data.splits), ['VOC2012/train']);
  assert.equal(data.classNames.length, 21);
  const rec = data.splits['VOC2012/train']![0]!;
  const mask = await readMask(rec.maskFile, 'voc', 21);
  assert.equal(mask.width, 50);
  // Chair (class 9 with background first) fills xmin 3..20, ymin 5..30 (1-based); its top row is 255.
  assert.equal(mask.data[10 * 50 + 5], 9);
  assert.equal(mask.data[4 * 50 + 5], 255);
  assert.equal(mask.data[0], 0);
  let chair = 0;
  for (const v of mask.data) if (v === 9) chair++;
  assert.equal(chair, 18 * 25);
  assert.deepEqual(await inspectDataset('voc-segmentation', { dataDir: root }), { dataset: 'voc-segmentation', splits: { 'VOC2012/train': { count: 1, numClasses: 21 } } });
});
