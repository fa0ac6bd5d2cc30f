import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, inspectDataset } from '../../src/data/registry.js';
import { makeBatch } from '../../src/data/batches.js';
import { CIFAR10_NAMES, cifar100Coarse, cifar100Fine, cifar10Label, cifarHwc, cifarPixel, writeCifar10, writeCifar100 } from '../helpers/cifar-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-cifar-'));
const quiet = (): void => undefined;
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

test('cifar10 reads the five training files in order and the test file, planes -> HWC', async () => {
  const root = tmp();
  writeCifar10(root, 3, 4);
  const data = await getDataset('cifar10').load({ dataDir: root, cacheDir: false, warn: quiet });
  assert.equal(data.train.count, 15);
  assert.equal(data.test.count, 4);
  assert.deepEqual(data.inputShape, [32, 32, 3]);
  assert.equal(data.numClasses, 10);
  assert.equal(data.flipOk, true);
  assert.deepEqual(data.classNames, CIFAR10_NAMES);
  assert.deepEqual([...data.train.labels], range(0, 15).map(cifar10Label));
  assert.deepEqual([...data.test.labels], range(1000, 1004).map(cifar10Label));
  // Every pixel of every image, against the formula.
  for (let n = 0; n < 15; n++) assert.deepEqual(data.train.images.subarray(n * 3072, (n + 1) * 3072), cifarHwc(n), `train image ${n}`);
  // One by hand: image 7, row 4, column 6, green = (7*17 + 50 + 12 + 30) % 256 = 211.
  assert.equal(data.train.images[7 * 3072 + (4 * 32 + 6) * 3 + 1], 211);
  assert.equal(cifarPixel(7, 1, 4, 6), 211);
});

test('cifar10 accepts the unpacked folder itself and honours limits across file boundaries', async () => {
  const root = tmp();
  const dir = writeCifar10(root, 3, 4);
  const data = await getDataset('cifar10').load({ dataDir: dir, trainLimit: 7, testLimit: 2, cacheDir: false, warn: quiet });
  assert.equal(data.train.count, 7);
  assert.equal(data.train.images.length, 7 * 3072);
  assert.deepEqual([...data.train.labels], range(0, 7).map(cifar10Label));
  assert.deepEqual(data.train.images.subarray(6 * 3072), cifarHwc(6));
  assert.equal(data.test.count, 2);
});

test('cifar10 normalises with its per-channel mean and std in makeBatch', async () => {
  const root = tmp();
  writeCifar10(root, 1, 1);
  const data = await getDataset('cifar10').load({ dataDir: root, cacheDir: false, warn: quiet });
  const batch = makeBatch(data, data.train, [2]);
  // Image 2, row 0, column 1, blue: (34 + 100 + 0 + 5) % 256 = 139.
  const expected = (139 / 255 - 0.4465) / 0.2616;
  assert.ok(Math.abs(batch.x[1 * 3 + 2]! - expected) < 1e-5);
});

test('cifar100 gives fine labels by default and coarse ones as cifar100-coarse', async () => {
  const root = tmp();
  writeCifar100(root, 6, 3);
  const fine = await getDataset('cifar100').load({ dataDir: root, cacheDir: false, warn: quiet });
  const coarse = await getDataset('cifar100-coarse').load({ dataDir: root, cacheDir: false, warn: quiet });
  assert.equal(fine.numClasses, 100);
  assert.equal(coarse.numClasses, 20);
  assert.deepEqual([...fine.train.labels], range(0, 6).map(cifar100Fine));
  assert.deepEqual([...coarse.train.labels], range(0, 6).map(cifar100Coarse));
  assert.deepEqual([...fine.test.labels], range(1000, 1003).map(cifar100Fine));
  // The two label bytes shift the pixels by 2: image 5 must still match the formula.
  assert.deepEqual(fine.train.images.subarray(5 * 3072, 6 * 3072), cifarHwc(5));
  assert.deepEqual(coarse.train.images, fine.train.images);
});

test('a truncated CIFAR file is an error naming the file and the cut record', async () => {
  const root = tmp();
  const dir = writeCifar10(root, 3, 4);
  const file = join(dir, 'data_batch_3.bin');
  writeFileSync(file, readFileSync(file).subarray(0, 2 * 3073 + 100));
  await assert.rejects(getDataset('cifar10').load({ dataDir: root, cacheDir: false, warn: quiet }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.match(err.message, /data_batch_3\.bin: truncated: record 2 \(0-based\) has 100 of its 3073 bytes/);
    return true;
  });
});

test('a label outside the class range names the file and record; a missing file says where it looked', async () => {
  const root = tmp();
  const dir = writeCifar100(root, 4, 2);
  const file = join(dir, 'test.bin');
  const bytes = readFileSync(file);
  bytes[3074 + 1] = 100; // fine label of record 1
  writeFileSync(file, bytes);
  await assert.rejects(getDataset('cifar100').load({ dataDir: root, cacheDir: false, warn: quiet }), /test\.bin: record 1: label 100 is outside 0\.\.99/);
  await assert.rejects(getDataset('cifar10').load({ dataDir: tmp(), cacheDir: false, warn: quiet }), /cifar10: no data found; looked in .*data_batch_1\.bin.*ash datasets download cifar10/);
});

test('a partial copy (fewer records than the official file) loads with a warning', async () => {
  const root = tmp();
  writeCifar10(root, 2, 2);
  const warnings: string[] = [];
  await getDataset('cifar10').load({ dataDir: root, cacheDir: false, warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /is not the official release: data_batch_1\.bin holds 2 of 10000 records, .*test_batch\.bin holds 2 of 10000 records/);
});

test('inspect summarises counts, label counts and the first image hash', async () => {
  const root = tmp();
  writeCifar10(root, 3, 4);
  const summary = await inspectDataset('cifar10', { dataDir: root, warn: () => undefined });
  const counts = new Array(10).fill(0);
  for (const n of range(0, 15)) counts[cifar10Label(n)]++;
  assert.deepEqual(summary, {
    dataset: 'cifar10',
    splits: {
      train: { count: 15, shape: [32, 32, 3], numClasses: 10, labelCounts: counts, firstImageSha256: createHash('sha256').update(cifarHwc(0)).digest('hex') },
      test: {
        count: 4,
        shape: [32, 32, 3],
        numClasses: 10,
        labelCounts: (() => {
          const c = new Array(10).fill(0);
          for (const n of range(1000, 1004)) c[cifar10Label(n)]++;
          return c;
        })(),
        firstImageSha256: createHash('sha256').update(cifarHwc(1000)).digest('hex'),
      },
    },
  });
});
