// Random-resized-crop on imagefolder data: the training split kept at its source size (the square of the
// resize target), in memory and streamed alike, and a real training step through runTraining.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAugmentKind, getDataset, registerDataset } from '../../src/data/registry.js';
import { IMAGEFOLDER, loadImageFolder, openImageFolder, type ImageFolderVariant } from '../../src/data/imagefolder.js';
import { readBatch, makeBatch } from '../../src/data/batches.js';
import { resolveAugment } from '../../src/data/augment.js';
import { isStreamed, type ClassificationSplit, type TrainingData } from '../../src/data/types.js';
import { Rng } from '../../src/engine/random.js';
import { runTraining } from '../../src/tasks/registry.js';
import { DEFAULT_RECIPE } from '../../src/contract/recipe.js';
import type { JobSpec as TrainSpec } from '../../src/contract/spec.js';
import { patternPixel, rgbBytes, writeImageFolder } from '../helpers/image-fixtures.js';

const tmp = (p = 'ash-rrc-'): string => mkdtempSync(join(tmpdir(), p));
const RRC = resolveAugment({ crop: 4, flip: true }, 'random-resized-crop');

async function closeAll(data: TrainingData): Promise<void> {
  for (const split of [data.train, data.test]) if (isStreamed(split)) await split.close();
}

test('imagefolder and tiny-imagenet train with random-resized-crop by default, the others with pad-crop', () => {
  assert.equal(defaultAugmentKind('imagefolder'), 'random-resized-crop');
  assert.equal(defaultAugmentKind('tiny-imagenet'), 'random-resized-crop');
  for (const name of ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'cifar100-coarse']) assert.equal(defaultAugmentKind(name), 'pad-crop', name);
});

test('trainSourceSize keeps train/ at the square of the resize target; val/ and the cache entries stay as they were', async () => {
  const root = tmp();
  const cacheDir = tmp('ash-rrc-cache-');
  // 48x32 PNGs, size 28: the shorter side's target is 32 (28 * 256/224), which it already is, so the
  // source square is exactly the central 32x32 (columns 8..39) and the evaluation crop the central 28x28.
  const fx = await writeImageFolder(root, ['b', 'a'], { train: [2, 2], val: [1, 1] }, 48, 32);
  const options = { dataDir: root, imageSize: 28, cacheDir };
  const plain = await getDataset('imagefolder').load(options);
  const source = await getDataset('imagefolder').load({ ...options, trainSourceSize: true });
  assert.deepEqual(source.inputShape, [28, 28, 3]);
  assert.deepEqual(source.train.shape, [32, 32, 3]);
  assert.deepEqual(plain.train.shape, [28, 28, 3]);
  const px = 32 * 32 * 3;
  fx.order.train!.forEach((f, n) => {
    const pixel = patternPixel(f.id);
    assert.deepEqual(source.train.images.subarray(n * px, (n + 1) * px), rgbBytes(32, 32, (r, c, ch) => pixel(r, c + 8, ch)), `train ${n}`);
  });
  assert.deepEqual(source.test.images, plain.test.images);
  assert.deepEqual([...source.train.labels], [...plain.train.labels]);
  // Three cache entries: train at 28, train at 32, val at 28 (shared by both loads).
  assert.equal(readdirSync(join(cacheDir, 'imagefolder')).length, 3);
  // Without augmentation, the centre of the source square is the evaluation crop: 32x32 -> 28x28 at offset 2.
  const centre = makeBatch(source, source.train as ClassificationSplit, [0]);
  const direct = makeBatch(plain, plain.train as ClassificationSplit, [0]);
  assert.deepEqual(centre.x, direct.x);
});

test('streamed source-size splits give the same random-resized-crop batches as in memory', async () => {
  const root = tmp();
  await writeImageFolder(root, ['zebra', 'ant', 'cat'], { train: [3, 2, 2], val: [1, 1, 1] }, 30, 20, 'jpeg');
  const options = { dataDir: root, imageSize: 14, trainSourceSize: true };
  const inMemory = await getDataset('imagefolder').load({ ...options, cacheDir: false });
  const streamed = await getDataset('imagefolder').open!({ ...options, cacheDir: tmp('ash-rrc-cache-') });
  try {
    assert.ok(isStreamed(streamed.train));
    assert.deepEqual(streamed.train.shape, [16, 16, 3]);
    assert.deepEqual(inMemory.train.shape, [16, 16, 3]);
    const indices = Int32Array.from([6, 0, 1, 3, 3, 2]);
    const a = makeBatch(inMemory, inMemory.train, indices, { rng: new Rng(11), options: RRC });
    const b = await readBatch(streamed, streamed.train, indices, { rng: new Rng(11), options: RRC });
    assert.deepEqual(b.x, a.x);
    assert.deepEqual(b.y, a.y);
    assert.equal(a.x.length, 6 * 14 * 14 * 3);
    const c = await readBatch(streamed, streamed.train, indices, { rng: new Rng(12), options: RRC });
    assert.notDeepEqual(c.x, a.x);
    assert.deepEqual((await readBatch(streamed, streamed.test, [0, 1, 2])).x, makeBatch(inMemory, inMemory.test, [0, 1, 2]).x);
  } finally {
    await closeAll(streamed);
  }
});

test('one training step with random-resized-crop from 18x18 sources to a 16x16 input, in memory and streamed alike', async () => {
  // A 16-pixel imagefolder variant (18 = round(16 * 256/224)) keeps the step fast.
  const variant: ImageFolderVariant = { ...IMAGEFOLDER, name: 'imagefolder-16', size: 16, shorter: 18 };
  registerDataset({
    name: variant.name,
    task: 'classification',
    description: 'test: imagefolder at 16x16',
    shape: { inputShape: [16, 16, 3] },
    load: (o) => loadImageFolder(variant, o),
    open: (o) => openImageFolder(variant, o),
    defaultAugment: 'random-resized-crop',
  });
  const root = tmp();
  await writeImageFolder(root, ['a', 'b'], { train: [2, 2], val: [1, 1] }, 24, 20, 'jpeg');
  process.env.ASH_CACHE_DIR = tmp('ash-rrc-cache-');
  const spec = (augment: TrainSpec['train']['augment'], stream: boolean): TrainSpec => ({
    sweep: 'test',
    label: 'relu',
    task: 'classification',
    activation: { name: 'relu' },
    model: 'resnet20',
    dataset: variant.name,
    seed: 3,
    backend: 'wasm',
    train: { ...DEFAULT_RECIPE, epochs: 1, batchSize: 4, augment: augment as TrainSpec['train']['augment'] },
    data: { dataDir: root, ...(stream ? { stream: true } : {}) },
  });
  const inMemory = await runTraining(spec(RRC, false));
  assert.equal(inMemory.status, 'ok');
  assert.equal(inMemory.env.trainCount, 4);
  assert.equal(inMemory.history.length, 1);
  assert.ok(Number.isFinite(inMemory.history[0]!.trainLoss));
  const streamed = await runTraining(spec(RRC, true));
  const comparable = (r: typeof inMemory) => r.history.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(comparable(streamed), comparable(inMemory));
  // The source-size training entry was written next to the 16x16 evaluation entry.
  const entries = readdirSync(join(process.env.ASH_CACHE_DIR, variant.name)).sort();
  assert.deepEqual(entries.map((e) => e.split('-')[0]), ['train', 'val']);
  const padCrop = await runTraining(spec(DEFAULT_RECIPE.augment, false));
  assert.notEqual(padCrop.history[0]!.trainLoss, inMemory.history[0]!.trainLoss);
});
