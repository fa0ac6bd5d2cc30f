// Checkpoints on disk and the final model files, in process on the cpu backend with a tiny Wide ResNet that has
// ASH sites (learned z/alpha), batch norm (moving statistics) and SeededDropout (a mask stream): what is restored
// must train on exactly as the original, and what is saved must load back as the same model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { UserError } from '../../src/engine/errors.js';
import { getModel } from '../../src/models/registry.js';
import { createTrainStep } from '../../src/tasks/loop.js';
import { captureTrainState, restoreTrainState, type LiveRun } from '../../src/tasks/train-state.js';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/runner/checkpoint.js';
import { loadLayersModelFromDir, saveLayersModel } from '../../src/runner/model-files.js';
import { planFor, tempDir, writeSweep } from './helpers.js';

const SHAPE = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 4 };

function buildRun(seed: number): LiveRun {
  const { model } = getModel('wrn10-1-drop0.3').build({ activation: { name: 'ash', k: 0.3 }, ...SHAPE, seed });
  const rng = new Rng(seed);
  return { model, optimizer: tf.train.momentum(0.1, 0.9, true), streams: { shuffle: rng.fork('shuffle'), augment: rng.fork('augment') } };
}

/** One SGD step (weight decay included) on a batch drawn from the run's augment stream, so the streams matter too. */
function step(run: LiveRun): void {
  const train = createTrainStep(run.model, run.optimizer, 5e-4);
  const pixels = Float32Array.from({ length: 4 * 64 }, () => run.streams.augment.next());
  const labels = Array.from({ length: 4 }, () => run.streams.shuffle.int(4));
  tf.tidy(() => {
    const x = tf.tensor4d(pixels, [4, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 4);
    train(() => tf.losses.softmaxCrossEntropy(y, run.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
  });
}

async function weightsOf(model: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => (await w.read().data()) as Float32Array));
}

function specFor(dir: string, epochs = 3) {
  return planFor(writeSweep(dir, `ck${epochs}`, ['a'], [1], epochs), dir).jobs[0]!.spec;
}

const progress = (epoch: number) => ({
  epoch,
  globalStep: 2 * epoch,
  // A NaN metric (e.g. a class absent from the test split) must survive the JSON manifest.
  history: [{ epoch: 1, trainLoss: 1.25, lr: 0.1, seconds: 1, metrics: { top1: 50, miou: NaN } }],
  final: { metrics: { top1: 50, miou: NaN } },
});

test('checkpoint: a restored run takes exactly the steps the original takes next (weights, BN statistics, ASH z/alpha, momentum, streams, dropout)', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = tempDir();
  const spec = specFor(dir);
  const original = buildRun(3);
  step(original);
  step(original);
  const saved = saveCheckpoint(dir, spec, await captureTrainState(original, progress(1)));
  // 4 bytes per value: every model variable plus one momentum slot per trainable variable.
  const values = original.model.weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * b!, 1), 0);
  const trainable = original.model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * b!, 1), 0);
  assert.equal(saved.bytes, 4 * (values + trainable));

  // Another seed (other initial weights, streams and masks) and, in this process, other tfjs variable names.
  const resumed = buildRun(4);
  const state = loadCheckpoint(dir, spec)!;
  assert.equal(state.epoch, 1);
  assert.ok(Number.isNaN(state.final.metrics.miou));
  assert.ok(Number.isNaN(state.history[0]!.metrics.miou));
  await restoreTrainState(resumed, state);
  assert.deepEqual(await weightsOf(resumed.model), await weightsOf(original.model));
  step(original);
  step(original);
  step(resumed);
  step(resumed);
  const [a, b] = [await weightsOf(original.model), await weightsOf(resumed.model)];
  assert.deepEqual(b, a);
  // The steps did move the weights (the comparison is not of two untouched models).
  assert.notDeepEqual(a, state.weights.map((w) => w.values));
  const ashZ = original.model.weights.filter((w) => w.originalName.endsWith('/z'));
  assert.ok(ashZ.length >= 7, `${ashZ.length} ASH z variables`);
});

test('checkpoint: only the newest epoch is kept; a killed writer\'s temp folder is never read and is cleaned up', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = tempDir();
  const spec = specFor(dir);
  const run = buildRun(1);
  step(run);
  saveCheckpoint(dir, spec, await captureTrainState(run, progress(1)));
  saveCheckpoint(dir, spec, await captureTrainState(run, progress(2)));
  assert.deepEqual(readdirSync(join(dir, 'checkpoint')), ['epoch-2']);
  // A folder a kill interrupted (no rename yet): junk under a temp name.
  mkdirSync(join(dir, 'checkpoint', 'epoch-3.tmp-1-abcd'));
  writeFileSync(join(dir, 'checkpoint', 'epoch-3.tmp-1-abcd', 'state.json'), '{"format":');
  assert.equal(latestCheckpoint(dir)!.epoch, 2);
  assert.equal(loadCheckpoint(dir, spec)!.epoch, 2);
  assert.deepEqual(readdirSync(join(dir, 'checkpoint')), ['epoch-2']);
});

test('checkpoint: another spec\'s checkpoint, a damaged one and a link are refused with the folder named', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = tempDir();
  const spec = specFor(dir);
  const run = buildRun(1);
  step(run);
  saveCheckpoint(dir, spec, await captureTrainState(run, progress(1)));
  assert.throws(() => loadCheckpoint(dir, specFor(dir, 4)), (e: Error) => e instanceof UserError && /epoch-1: the checkpoint belongs to a different spec/.test(e.message));
  const bin = join(dir, 'checkpoint', 'epoch-1', 'tensors.bin');
  const bytes = readFileSync(bin);
  bytes[100] ^= 1;
  writeFileSync(bin, bytes);
  assert.throws(() => loadCheckpoint(dir, spec), (e: Error) => e instanceof UserError && /tensors\.bin does not match its checksum/.test(e.message));

  const linked = tempDir();
  symlinkSync(join(dir, 'checkpoint'), join(linked, 'checkpoint'));
  assert.throws(() => loadCheckpoint(linked, spec), (e: Error) => e instanceof UserError && /is a symbolic link/.test(e.message));
  // Saving through a linked checkpoint/ or model/ folder is refused too, and nothing is written where it points.
  const target = tempDir();
  const writer = tempDir();
  symlinkSync(target, join(writer, 'checkpoint'));
  const state = await captureTrainState(run, progress(2));
  assert.throws(() => saveCheckpoint(writer, spec, state), (e: Error) => e instanceof UserError && /checkpoint is a symbolic link/.test(e.message));
  symlinkSync(target, join(writer, 'model'));
  await assert.rejects(saveLayersModel(run.model, join(writer, 'model')), (e: Error) => e instanceof UserError && /model is a symbolic link/.test(e.message));
  assert.deepEqual(readdirSync(target), []);
});

test('model files: model.json + weights.bin load back with tf.loadLayersModel as the same model (same outputs)', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = tempDir();
  const run = buildRun(5);
  step(run);
  await saveLayersModel(run.model, join(dir, 'model'));
  assert.deepEqual(readdirSync(join(dir, 'model')).sort(), ['model.json', 'weights.bin']);
  const json = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8')) as { format: string; weightsManifest: { paths: string[] }[] };
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0]!.paths, ['./weights.bin']);
  const loaded = await loadLayersModelFromDir(join(dir, 'model'));
  assert.deepEqual(await weightsOf(loaded), await weightsOf(run.model));
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 9);
  const expected = (run.model.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual((loaded.predict(x) as tf.Tensor).dataSync(), expected);
  assert.ok(loaded.layers.some((l) => l.getClassName() === 'AshBenchAsh'));
  assert.ok(loaded.layers.some((l) => l.getClassName() === 'AshBenchSeededDropout'));

  // A manifest pointing outside its folder is refused, not followed.
  writeFileSync(join(dir, 'model', 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: ['../elsewhere.bin'] }] }));
  await assert.rejects(loadLayersModelFromDir(join(dir, 'model')), /weights path '\.\.\/elsewhere\.bin': expected a file name beside model\.json/);
});

test('checkpoint: the job clock round-trips, and a checkpoint saved without one (older ash-bench) still loads', async () => {
  await initEngine({ backend: 'cpu' });
  const dir = tempDir();
  const spec = specFor(dir);
  const run = buildRun(3);
  const state = await captureTrainState(run, progress(1));
  saveCheckpoint(dir, spec, { ...state, clock: { startedAt: '2026-01-02T11:00:00.000Z', seconds: 42.25 } });
  assert.deepEqual(loadCheckpoint(dir, spec)!.clock, { startedAt: '2026-01-02T11:00:00.000Z', seconds: 42.25 });
  saveCheckpoint(dir, spec, { ...state, epoch: 2 });
  const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint', 'epoch-2', 'state.json'), 'utf8')) as { state: Record<string, unknown> };
  assert.ok(!('clock' in manifest.state));
  const loaded = loadCheckpoint(dir, spec)!;
  assert.equal(loaded.clock, undefined);
  assert.equal(loaded.epoch, 2);
  run.model.dispose();
});
