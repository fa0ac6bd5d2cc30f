// COCO instance masks through the reader and the detection batches: an instances file in the true format
// with all three segmentation forms, masks that move with their boxes (resize, flip), and malformed
// segmentations as UserErrors naming the file and the annotation. Both parsers (whole string, and the
// byte scan used for large files) are run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { Rng } from '../../src/engine/random.js';
import { readCocoInstances } from '../../src/data/coco.js';
import { decodeInstanceMasks } from '../../src/data/coco-segmentation.js';
import { readDetectionBatch, recordSource } from '../../src/data/detection-data.js';
import { writeCocoSplit } from '../helpers/annotation-fixtures.js';
import { writeImage } from '../helpers/image-fixtures.js';

const W = 8;
const H = 6;
function maskOf(height: number, width: number, inside: (x: number, y: number) => boolean): number[] {
  return Array.from({ length: height * width }, (_, i) => (inside(i % width, Math.floor(i / width)) ? 1 : 0));
}

// Image 1 (8 wide, 6 high) has one object in each form; image 2 has objects without segmentation.
const doc = {
  images: [
    { id: 1, file_name: '1.png', width: W, height: H, license: 1 },
    { id: 2, file_name: '2.png', width: 4, height: 4, license: 1 },
  ],
  annotations: [
    // Two polygons: the square x 0..4, y 0..4 (pixels 0..3) and the rectangle x 5..8, y 1..3.
    { id: 11, image_id: 1, category_id: 1, iscrowd: 0, area: 22, bbox: [0, 0, 8, 4], segmentation: [[0, 0, 4, 0, 4, 4, 0, 4], [5, 1, 8, 1, 8, 3, 5, 3]] },
    // Uncompressed RLE (a crowd): every column is 4 background rows then 2 object rows.
    { id: 12, image_id: 1, category_id: 2, iscrowd: 1, area: 16, bbox: [0, 4, 8, 2], segmentation: { counts: Array.from({ length: 16 }, (_, i) => (i % 2 ? 2 : 4)), size: [H, W] } },
    // Compressed RLE '=2Q1': counts 13 ('0' + 13), 2, 33 ('Q' = '0' + 32 + 1 then '1': 1 + 32 * 1), so the
    // object is column-major pixels 13, 14: column 2, rows 1 and 2.
    { id: 13, image_id: 1, category_id: 1, iscrowd: 0, area: 2, bbox: [2, 1, 1, 2], segmentation: { counts: '=2Q1', size: [H, W] } },
    { id: 21, image_id: 2, category_id: 1, iscrowd: 0, area: 4, bbox: [0, 0, 2, 2] },
    { id: 22, image_id: 2, category_id: 2, iscrowd: 0, area: 4, bbox: [2, 2, 2, 2], segmentation: [] },
  ],
  categories: [
    { id: 1, name: 'person', supercategory: 'person' },
    { id: 2, name: 'car', supercategory: 'vehicle' },
  ],
};
const expected = [
  maskOf(H, W, (x, y) => (x < 4 && y < 4) || (x >= 5 && y >= 1 && y < 3)),
  maskOf(H, W, (_, y) => y >= 4),
  maskOf(H, W, (x, y) => x === 2 && (y === 1 || y === 2)),
];

async function fixture(streamAbove: number) {
  const root = mkdtempSync(join(tmpdir(), 'ash-coco-masks-'));
  const file = writeCocoSplit(root, 'val2017', doc);
  await writeImage(join(root, 'val2017', '1.png'), W, H, (r, c) => (r * W + c) * 5);
  await writeImage(join(root, 'val2017', '2.png'), 4, 4, () => 0);
  return { file, split: await readCocoInstances(file, join(root, 'val2017'), { streamAbove }) };
}

for (const streamAbove of [Number.POSITIVE_INFINITY, 0]) {
  const how = streamAbove === 0 ? 'byte scan' : 'string parse';

  test(`${how}: polygons, uncompressed and compressed RLE decode to the hand-drawn masks; no masks where an object has none`, async () => {
    const { split } = await fixture(streamAbove);
    const [one, two] = split.records;
    assert.deepEqual([...decodeInstanceMasks(one!.segmentations!)], expected.flat());
    // Image 2: one object without the field, one with an empty list -> the image has no masks.
    assert.equal(two!.segmentations, undefined);
    const batch = await readDetectionBatch(recordSource(split.records), [0, 1], { inputSize: [H, W] });
    assert.deepEqual([...batch.truth[0]!.masks!], expected.flat());
    assert.deepEqual([...batch.truth[0]!.flags], [0, 1, 0]);
    assert.equal(batch.truth[1]!.masks, undefined);
  });
}

test('masks follow the boxes: doubled by nearest neighbour at twice the size, mirrored when the flip is drawn', async () => {
  const { split } = await fixture(Number.POSITIVE_INFINITY);
  const source = recordSource(split.records);
  const big = await readDetectionBatch(source, [0], { inputSize: [2 * H, 2 * W] });
  // Output pixel (x, y) takes source pixel (floor(x / 2), floor(y / 2)).
  expected.forEach((mask, k) => {
    assert.deepEqual([...big.truth[0]!.masks!.subarray(k * 4 * H * W, (k + 1) * 4 * H * W)], maskOf(2 * H, 2 * W, (x, y) => mask[Math.floor(y / 2) * W + Math.floor(x / 2)] === 1), `object ${k}`);
  });
  // Object 13's box [2, 1, 1, 2] -> corners [4, 2, 6, 6] and its mask columns 4..5, rows 2..5.
  assert.deepEqual([...big.truth[0]!.boxes.subarray(8, 12)], [4, 2, 6, 6]);
  // Flip only (no scale jitter): over several draws, a flipped box (object 13 at x0 = 8 - 2 - 1 = 5) comes
  // with mirrored masks and an unflipped one with the masks as they are.
  const seen = new Set<boolean>();
  const rng = new Rng(11);
  for (let draw = 0; draw < 8; draw++) {
    const batch = await readDetectionBatch(source, [0], { inputSize: [H, W], augment: { rng, flip: true, scale: [1, 1], minBoxSide: 1 } });
    const t = batch.truth[0]!;
    const flipped = t.boxes[8] === 5;
    assert.ok(flipped || t.boxes[8] === 2, `object 13's x0 is ${t.boxes[8]}`);
    seen.add(flipped);
    const want = expected.map((mask) => maskOf(H, W, (x, y) => mask[y * W + (flipped ? W - 1 - x : x)] === 1));
    assert.deepEqual([...t.masks!], want.flat(), `draw ${draw} (flipped: ${flipped})`);
  }
  assert.deepEqual([...seen].sort(), [false, true]);
});

test('masks under scale jitter and crop: every mask pixel stays inside its own box', async () => {
  const { split } = await fixture(Number.POSITIVE_INFINITY);
  const rng = new Rng(3);
  let pixels = 0;
  for (let draw = 0; draw < 6; draw++) {
    const batch = await readDetectionBatch(recordSource(split.records), [0], { inputSize: [2 * H, 2 * W], augment: { rng, flip: true, scale: [0.6, 1.5], minBoxSide: 1 } });
    const t = batch.truth[0]!;
    assert.equal(t.masks!.length, t.classes.length * 4 * H * W);
    for (let k = 0; k < t.classes.length; k++) {
      const [x0, y0, x1, y1] = [...t.boxes.subarray(4 * k, 4 * k + 4)] as [number, number, number, number];
      for (let y = 0; y < 2 * H; y++) {
        for (let x = 0; x < 2 * W; x++) {
          if (!t.masks![k * 4 * H * W + y * 2 * W + x]) continue;
          pixels++;
          assert.ok(x >= Math.floor(x0) && x < Math.ceil(x1) && y >= Math.floor(y0) && y < Math.ceil(y1), `draw ${draw} object ${k}: (${x}, ${y}) outside [${x0}, ${y0}, ${x1}, ${y1}]`);
        }
      }
    }
  }
  assert.ok(pixels > 100, `${pixels} mask pixels`);
});

for (const streamAbove of [Number.POSITIVE_INFINITY, 0]) {
  const how = streamAbove === 0 ? 'byte scan' : 'string parse';
  const image = { id: 1, file_name: '1.jpg', width: 3, height: 2 };
  const categories = [{ id: 1, name: 'cat' }];
  const cases: [string, unknown, string][] = [
    ['an odd coordinate count', [[0, 0, 2, 0, 2, 2, 1]], "polygon 0 has 7 numbers, expected an even count (x, y pairs)"],
    ['a polygon of two points', [[0, 0, 2, 0, 2, 2], [0, 0, 1, 1]], 'polygon 1 has 2 point(s), expected at least 3'],
    ['counts that do not cover the image', { counts: [1, 2, 2], size: [2, 3] }, 'counts sum to 5, expected height * width = 2 * 3 = 6'],
    // '14': counts 1 and 4.
    ['a compressed string that does not cover the image', { counts: '14', size: [2, 3] }, 'counts sum to 5, expected height * width = 2 * 3 = 6'],
    ['an RLE of another size', { counts: [0, 6], size: [3, 2] }, "RLE size [3, 2] differs from its image's [height, width] = [2, 3]"],
    ['a flat list of numbers', [0, 0, 2, 0, 2, 2], 'polygon 0 is 0, expected a list of x, y numbers'],
  ];
  for (const [what, segmentation, message] of cases) {
    test(`${how}: ${what} is a UserError naming the file, the annotation and what was expected`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'ash-coco-bad-'));
      const file = writeCocoSplit(root, 'val2017', { images: [image], annotations: [{ id: 7, image_id: 1, category_id: 1, bbox: [0, 0, 2, 2], area: 4, iscrowd: 0, segmentation }], categories });
      await assert.rejects(readCocoInstances(file, join(root, 'val2017'), { streamAbove }), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(err.message, `${file}: annotations[0] (id 7): field 'segmentation': ${message}`);
        return true;
      });
    });
  }
}
