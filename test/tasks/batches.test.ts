import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBatch } from '../../src/data/batches.js';
import { Rng } from '../../src/engine/random.js';
import type { ClassificationData } from '../../src/data/types.js';

function tinyData(): ClassificationData {
  // Two 3x4 single-channel images with pixel = 10 * row + col (+100 for the second).
  const images = new Uint8Array(2 * 12);
  for (let n = 0; n < 2; n++) for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) images[n * 12 + r * 4 + c] = 100 * n + 10 * r + c;
  const split = { count: 2, images, labels: Uint8Array.from([3, 7]) };
  return { dataset: 't', numClasses: 10, inputShape: [3, 4, 1], mean: [0], std: [1 / 255], flipOk: true, train: split, test: split, source: [] };
}

test('makeBatch normalises with (p/255 - mean)/std and keeps order', () => {
  const data = tinyData();
  data.mean = [0.5];
  data.std = [0.25];
  const b = makeBatch(data, data.train, [1, 0]);
  assert.deepEqual([...b.y], [7, 3]);
  const expect = (p: number): number => (p / 255 - 0.5) / 0.25;
  assert.ok(Math.abs(b.x[0]! - expect(100)) < 1e-6);
  assert.ok(Math.abs(b.x[12 + 11]! - expect(23)) < 1e-6);
});

test('augmentation shifts within the padding, fills zeros, and flips; the same seed repeats it', () => {
  const data = tinyData(); // std 1/255, mean 0: the batch holds raw pixel values
  const seen = new Set<string>();
  for (let seed = 0; seed < 300; seed++) {
    const a = makeBatch(data, data.train, [0], { rng: new Rng(seed), options: { crop: 1, flip: true } });
    const b = makeBatch(data, data.train, [0], { rng: new Rng(seed), options: { crop: 1, flip: true } });
    assert.deepEqual([...a.x], [...b.x]);
    // Every output pixel is 0 (padding) or a pixel of the source image.
    for (const v of a.x) assert.ok(v === 0 || [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23].includes(Math.round(v)));
    seen.add([...a.x].map(Math.round).join(','));
  }
  // Identity and the mirror image both occur, and all 9 shifts x 2 flips do.
  assert.ok(seen.has('0,1,2,3,10,11,12,13,20,21,22,23'));
  assert.ok(seen.has('3,2,1,0,13,12,11,10,23,22,21,20'));
  assert.equal(seen.size, 18);
});

test('Rng: deterministic, uniform enough, permutations are permutations', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.nextUint32(), b.nextUint32());
  const r = new Rng(7);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 100000; i++) buckets[r.int(10)]++;
  for (const c of buckets) assert.ok(Math.abs(c - 10000) < 500, `bucket ${c}`);
  const p = new Rng(3).permutation(1000);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual([...new Rng(3).fork('a').permutation(20)], [...new Rng(3).fork('b').permutation(20)]);
});
