// `ash datasets inspect --skip-unreadable` on an image folder whose first image cannot be decoded: the
// first readable image is hashed (with a warning naming the skipped file); without the flag it is an
// error naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { inspectDataset } from '../../src/data/registry.js';
import { patternPixel, rgbBytes, writeImageFolder } from '../helpers/image-fixtures.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('inspect honours --skip-unreadable for the image it hashes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ash-inspect-'));
  const fx = await writeImageFolder(root, ['a', 'b'], { train: [2, 1], val: [1, 1] }, 12, 10);
  const broken = fx.order.train![0]!.file;
  writeFileSync(broken, 'not an image');
  await assert.rejects(inspectDataset('imagefolder', { dataDir: root, imageSize: 8 }), (err: unknown) => err instanceof UserError && err.message.startsWith(broken));
  const warnings: string[] = [];
  const summary = await inspectDataset('imagefolder', { dataDir: root, imageSize: 8, onUnreadable: 'skip', warn: (m) => warnings.push(m) });
  const split = summary.splits.train as { count: number; firstImageSha256: string };
  // The second file in reading order is the first readable one.
  assert.equal(split.firstImageSha256, sha(rgbBytes(12, 10, patternPixel(fx.order.train![1]!.id))));
  assert.equal(split.count, 3);
  assert.ok(warnings.some((w) => w.includes(broken)), warnings.join('\n'));
});
