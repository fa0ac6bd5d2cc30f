import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, loadTrainingData } from '../../src/data/registry.js';
import { makeBatch, readBatch } from '../../src/data/batches.js';
import { isStreamed, type StreamedSplit, type TrainingData } from '../../src/data/types.js';
import { Rng } from '../../src/engine/random.js';
import { UserError } from '../../src/engine/errors.js';
import { runTraining } from '../../src/tasks/registry.js';
import { DEFAULT_RECIPE } from '../../src/contract/recipe.js';
import type { JobSpec as TrainSpec } from '../../src/contract/spec.js';
import { writeImageFolder, writeTinyImagenet } from '../helpers/image-fixtures.js';

const tmp = (p = 'ash-stream-'): string => mkdtempSync(join(tmpdir(), p));

async function closeAll(data: TrainingData): Promise<void> {
  for (const split of [data.train, data.test]) if (isStreamed(split)) await split.close();
}

test('streamed imagefolder batches equal in-memory batches byte for byte, plain and augmented', async () => {
  const root = tmp();
  await writeImageFolder(root, ['zebra', 'ant', 'cat'], { train: [3, 2, 2], val: [1, 1, 1] }, 20, 16);
  const options = { dataDir: root, imageSize: 12 };
  const inMemory = await getDataset('imagefolder').load({ ...options, cacheDir: false });
  const streamed = await getDataset('imagefolder').open!({ ...options, cacheDir: tmp('ash-stream-cache-') });
  try {
    assert.ok(isStreamed(streamed.train) && isStreamed(streamed.test));
    assert.deepEqual(streamed.inputShape, inMemory.inputShape);
    assert.equal(streamed.train.count, 7);
    assert.deepEqual([...streamed.train.labels], [...inMemory.train.labels]);
    assert.deepEqual([...streamed.test.labels], [...inMemory.test.labels]);
    // Out of order, repeated and consecutive indices: runs are read in one go, the rest one by one.
    const indices = Int32Array.from([5, 0, 1, 2, 3, 3, 6]);
    const px = 12 * 12 * 3;
    const raw = await (streamed.train as StreamedSplit).readImages(indices);
    indices.forEach((idx, b) => assert.deepEqual(raw.subarray(b * px, (b + 1) * px), inMemory.train.images.subarray(idx * px, (idx + 1) * px), `image ${idx}`));
    const plainA = makeBatch(inMemory, inMemory.train, indices);
    const plainB = await readBatch(streamed, streamed.train, indices);
    assert.deepEqual(plainB.x, plainA.x);
    assert.deepEqual(plainB.y, plainA.y);
    const augment = { crop: 2, flip: true };
    const augA = makeBatch(inMemory, inMemory.train, indices, { rng: new Rng(3), options: augment });
    const augB = await readBatch(streamed, streamed.train, indices, { rng: new Rng(3), options: augment });
    assert.deepEqual(augB.x, augA.x);
    assert.notDeepEqual(augB.x, plainB.x);
    const evalA = makeBatch(inMemory, inMemory.test, [0, 1, 2]);
    const evalB = await readBatch(streamed, streamed.test, [0, 1, 2]);
    assert.deepEqual(evalB.x, evalA.x);
  } finally {
    await closeAll(streamed);
  }
});

test('streaming a dataset that cannot stream, or without the cache, is a clear error', async () => {
  await assert.rejects(loadTrainingData('fashion-mnist', { stream: true }), (err: unknown) => err instanceof UserError && /dataset 'fashion-mnist' cannot be streamed.*imagefolder, tiny-imagenet/.test(err.message));
  const root = tmp();
  await writeImageFolder(root, ['a', 'b'], { train: [1, 1] }, 8, 8);
  await assert.rejects(getDataset('imagefolder').open!({ dataDir: root, imageSize: 8, cacheDir: false, warn: () => {} }), /imagefolder: streaming a split needs the cache/);
});

test('runTraining with data.stream gives the same run as in memory (tiny-imagenet)', async () => {
  const root = tmp();
  await writeTinyImagenet(root, ['n01', 'n02'], 3, [0, 1, 1]);
  process.env.ASH_CACHE_DIR = tmp('ash-stream-cache-');
  const spec = (stream: boolean): TrainSpec => ({
    sweep: 'test',
    label: 'relu',
    task: 'classification',
    activation: { name: 'relu' },
    model: 'resnet20',
    dataset: 'tiny-imagenet',
    seed: 5,
    backend: 'wasm',
    train: { ...DEFAULT_RECIPE, epochs: 1, batchSize: 4 },
    data: { dataDir: root, ...(stream ? { stream: true } : {}) },
  });
  const streamed = await runTraining(spec(true));
  assert.equal(streamed.status, 'ok');
  assert.equal(streamed.env.trainCount, 6);
  assert.equal(streamed.env.testCount, 3);
  const inMemory = await runTraining(spec(false));
  const comparable = (r: typeof streamed) => r.history.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(comparable(streamed), comparable(inMemory));
});
