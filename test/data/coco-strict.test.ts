// COCO instances files: every category needs a numeric id and a name, and `iscrowd` is 0 or 1 (the
// string "no" used to count as crowd). Both parsers (whole string, and byte scan of large files) check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { readCocoInstances } from '../../src/data/coco.js';
import { writeCocoSplit } from '../helpers/annotation-fixtures.js';

const image = { id: 1, file_name: '1.jpg', width: 10, height: 10 };
const ann = { id: 7, image_id: 1, category_id: 3, bbox: [1, 1, 4, 4], area: 16 };

async function read(doc: Record<string, unknown>, streamAbove: number) {
  const root = mkdtempSync(join(tmpdir(), 'ash-coco-'));
  const file = writeCocoSplit(root, 'val2017', doc);
  return { file, read: readCocoInstances(file, join(root, 'val2017'), { streamAbove }) };
}

for (const streamAbove of [Number.POSITIVE_INFINITY, 0]) {
  const how = streamAbove === 0 ? 'byte scan' : 'string parse';

  test(`${how}: a category without a name is an error naming the file and the category`, async () => {
    const { file, read: r } = await read({ images: [image], annotations: [{ ...ann, iscrowd: 0 }], categories: [{ id: 3, supercategory: 'x' }] }, streamAbove);
    await assert.rejects(r, (err: unknown) => err instanceof UserError && err.message === `${file}: categories[0] (id 3): field 'name' must be a non-empty string, got undefined`);
  });

  test(`${how}: iscrowd other than 0 or 1 is an error; 0, 1 and absent read as flags 0, 1, 0`, async () => {
    const bad = await read({ images: [image], annotations: [{ ...ann, iscrowd: 'no' }], categories: [{ id: 3, name: 'cat' }] }, streamAbove);
    await assert.rejects(bad.read, (err: unknown) => err instanceof UserError && err.message === `${bad.file}: annotations[0] (id 7): field 'iscrowd' must be 0 or 1, got "no"`);
    const { iscrowd: _drop, ...noFlag } = { ...ann, iscrowd: 0 };
    const good = await read(
      { images: [image], annotations: [{ ...ann, iscrowd: 0 }, { ...ann, id: 8, iscrowd: 1 }, { ...noFlag, id: 9 }], categories: [{ id: 3, name: 'cat' }] },
      streamAbove,
    );
    assert.deepEqual([...(await good.read).records[0]!.flags], [0, 1, 0]);
  });
}
