import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx } from '../../src/data/idx.js';
import { getDataset } from '../../src/data/registry.js';
import { writeMnistFixture } from '../helpers/idx-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-idx-'));

test('parseIdx reads a hand-built IDX file byte for byte', () => {
  // magic 0x00000803 (ubyte, 3 dims), shape 2x2x3, then 12 data bytes.
  const bytes = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const idx = parseIdx(bytes, 'x');
  assert.deepEqual(idx.shape, [2, 2, 3]);
  assert.deepEqual([...idx.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(parseIdx(gzipSync(bytes), 'x.gz').shape, [2, 2, 3]);
});

test('corrupt IDX files name the file and what is wrong', () => {
  assert.throws(() => parseIdx(Uint8Array.from([1, 2, 8, 3]), 'bad.idx'), /bad\.idx: bad IDX magic number 0x01020803/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 13, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'f.idx'), /f\.idx: IDX data type 0xd is not supported/);
  assert.throws(
    () => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3]), 'short.idx'),
    /short\.idx: IDX header says shape \[5\] = 5 bytes of data, but the file holds 3/,
  );
  assert.throws(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 0, 0, 0]), 'z.gz'), /z\.gz: gzip data is corrupt/);
});

for (const gzip of [true, false]) {
  test(`fashion-mnist loads IDX files (${gzip ? 'gzipped' : 'plain'}) from --data-dir with limits`, async () => {
    const dir = tmp();
    const fixture = writeMnistFixture(dir, { gzip, train: 20, test: 10 });
    const data = await getDataset('fashion-mnist').load({ dataDir: dir, trainLimit: 15 });
    assert.equal(data.train.count, 15);
    assert.equal(data.test.count, 10);
    assert.deepEqual(data.inputShape, [28, 28, 1]);
    assert.deepEqual([...data.train.labels], [...fixture.train.labels.subarray(0, 15)]);
    // Pixel (n=3, r=5, c=7) = (3*31 + 5*7 + 7*3) % 256 = 149.
    assert.equal(data.train.images[(3 * 28 + 5) * 28 + 7], 149);
    assert.equal(data.train.images.length, 15 * 784);
  });
}

test('a missing dataset says where it looked and how to get it', async () => {
  const dir = tmp();
  await assert.rejects(getDataset('fashion-mnist').load({ dataDir: dir }), (err: Error) => {
    assert.match(err.message, new RegExp(`${dir} lacks train-images-idx3-ubyte\\[\\.gz\\]`));
    assert.match(err.message, /apt-get install -y dataset-fashion-mnist/);
    return true;
  });
});

test('labels and images that disagree are reported with both files', async () => {
  const dir = tmp();
  writeMnistFixture(dir, { gzip: false, train: 20, test: 10 });
  // Replace the test labels by a file with 9 labels.
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
  await assert.rejects(getDataset('fashion-mnist').load({ dataDir: dir }), /t10k-labels-idx1-ubyte: holds 9 labels but .*t10k-images-idx3-ubyte holds 10 images/);
});

test('an unknown dataset lists the valid ones', () => {
  assert.throws(() => getDataset('fashion_mnist'), /unknown dataset 'fashion_mnist'. Valid datasets: .*fashion-mnist/);
});

test('the Debian Fashion-MNIST package, when installed, has the published sizes', { skip: !existsSync('/usr/share/datasets/fashion-mnist') && 'dataset-fashion-mnist not installed' }, async () => {
  const data = await getDataset('fashion-mnist').load({ testLimit: 10000 });
  assert.equal(data.train.count, 60000);
  assert.equal(data.test.count, 10000);
  const counts = new Array(10).fill(0);
  for (const l of data.test.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
});
