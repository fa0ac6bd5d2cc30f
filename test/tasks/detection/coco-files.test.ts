// The COCO readers for evaluation, on files in the true format: raw ids, areas and crowd flags kept as
// written (no clipping, no re-indexing), the same whether the file is parsed whole or scanned list by list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/engine/errors.js';
import { readCocoGroundTruth, readCocoResults } from '../../../src/tasks/detection/coco-files.js';
import { writeCocoSplit } from '../../helpers/annotation-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'ash-coco-files-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const doc = {
  images: [{ id: 42, file_name: '42.jpg', width: 100, height: 80 }],
  annotations: [
    // A box poking out of its image and an area unlike the box's: evaluation takes both as written.
    { id: 5, image_id: 42, category_id: 90, bbox: [95, 70, 10, 20], iscrowd: 0, area: 150.5, segmentation: [[95, 70, 105, 70, 105, 90]] },
    { id: 6, image_id: 42, category_id: 1, bbox: [0, 0, 50, 50], iscrowd: 1, area: 2000, segmentation: { counts: [0, 10], size: [80, 100] } },
  ],
  categories: [{ id: 90, name: 'toothbrush', supercategory: 'indoor' }, { id: 1, name: 'person', supercategory: 'person' }],
};

test('ground truth keeps raw ids, areas and crowd flags, parsed whole or scanned', async () => {
  const file = writeCocoSplit(root, 'val2017', doc);
  const whole = await readCocoGroundTruth(file);
  assert.deepEqual(whole.imageIds, [42]);
  assert.deepEqual(whole.categories, [{ id: 90, name: 'toothbrush' }, { id: 1, name: 'person' }]);
  assert.deepEqual(whole.annotations, [
    { id: 5, imageId: 42, categoryId: 90, bbox: [95, 70, 10, 20], area: 150.5, iscrowd: false },
    { id: 6, imageId: 42, categoryId: 1, bbox: [0, 0, 50, 50], area: 2000, iscrowd: true },
  ]);
  assert.deepEqual(await readCocoGroundTruth(file, { streamAbove: 0 }), whole);
});

test('ground truth without an area, or with annotation id 0, is refused with the field named', async () => {
  const noArea = writeCocoSplit(root, 'noarea', { ...doc, annotations: [{ ...doc.annotations[0], area: undefined }] });
  await assert.rejects(readCocoGroundTruth(noArea), (e: unknown) => e instanceof UserError && /instances_noarea\.json: annotations\[0\] \(id 5\): field 'area' is missing/.test(e.message));
  const idZero = writeCocoSplit(root, 'idzero', { ...doc, annotations: [{ ...doc.annotations[0], id: 0 }] });
  await assert.rejects(readCocoGroundTruth(idZero), (e: unknown) => e instanceof UserError && /annotations\[0\]: field 'id' is 0/.test(e.message));
});

test('results: entries checked against the ground truth, a score required', async () => {
  const gt = await readCocoGroundTruth(writeCocoSplit(root, 'val2017', doc));
  const file = join(root, 'results.json');
  writeFileSync(file, JSON.stringify([{ image_id: 42, category_id: 90, bbox: [1, 2, 3, 4], score: 0.5, segmentation: [] }]));
  assert.deepEqual(await readCocoResults(file, gt), [{ imageId: 42, categoryId: 90, bbox: [1, 2, 3, 4], score: 0.5 }]);
  writeFileSync(file, JSON.stringify([{ image_id: 42, category_id: 90, bbox: [1, 2, 3, 4] }]));
  await assert.rejects(readCocoResults(file, gt), /results\.json: entry 0: field 'score' is missing \(expected a number, the confidence\)/);
  writeFileSync(file, JSON.stringify({ annotations: [] }));
  await assert.rejects(readCocoResults(file, gt), /results\.json: expected a JSON list of results/);
});
