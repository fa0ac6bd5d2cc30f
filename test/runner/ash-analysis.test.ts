// `ash analyze ash` on a run trained for one epoch: the job records its peak memory, and the analysis of its
// saved model agrees with the ASH layers applied by hand to their captured inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/engine/tf.js';
import { JobSpecSchema } from '../../src/contract/spec.js';
import { runJobInDir } from '../../src/runner/job-process.js';
import { analyzeAshRuns, renderAshAnalysisMarkdown } from '../../src/runner/ash-analysis.js';
import { loadLayersModelFromDir } from '../../src/runner/model-files.js';
import { ashLayersOf, layerInputsModel } from '../../src/tasks/classification/ash-analysis.js';
import { keptFractionOfZ } from '../../src/activations/normal-quantile.js';
import { loadTrainingData } from '../../src/data/registry.js';
import { readBatch } from '../../src/data/batches.js';
import { writeMnistFixture } from '../helpers/idx-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-analysis-'));

test('a one-epoch ASH run: peak memory recorded, and every layer analysed on its test images', async () => {
  const data = tmp();
  writeMnistFixture(data, { gzip: false, train: 32, test: 24 });
  const root = tmp();
  const dir = join(root, 'sweep', 'ash-run');
  mkdirSync(dir, { recursive: true });
  const spec = JobSpecSchema.parse({
    sweep: 'sweep',
    label: 'ASH',
    activation: { name: 'ash', k: 0.3 },
    model: 'wrn10-1',
    dataset: 'fashion-mnist',
    seed: 3,
    backend: 'wasm',
    train: { epochs: 1, batchSize: 16, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }, schedule: 'cosine', bnMomentum: 0.9, augment: { crop: 0, flip: false } },
    data: { dataDir: data },
  });
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const result = await runJobInDir(dir);
  assert.equal(result.status, 'ok', result.error);
  // getrusage's peak resident set of this process: at least the tfjs runtime, far below the machine.
  const peak = result.env.peakRssMB as number;
  assert.ok(peak > 50 && peak < 64 * 1024, `peakRssMB ${peak}`);
  // Not in the epoch records, which must repeat exactly when the run does.
  assert.equal('peakRssMB' in result.history[0]!, false);

  // A finished run whose model was not saved is found and skipped with the reason.
  const noModel = join(tmp(), 'no-model');
  mkdirSync(noModel);
  copyFileSync(join(dir, 'result.json'), join(noModel, 'result.json'));
  const analysis = await analyzeAshRuns([root, noModel], { samples: 20 });
  assert.equal(analysis.runs.length, 1);
  assert.deepEqual(analysis.skipped.map((s) => [s.dir, s.reason.split(' (')[0]]), [[noModel, 'no model/model.json']]);
  const run = analysis.runs[0]!;
  assert.equal(run.samples, 20);
  const learned = result.history[0]!.ash!;
  assert.deepEqual(run.layers.map((l) => l.layer), learned.map((s) => s.layer));
  for (const [i, layer] of run.layers.entries()) {
    // The z and alpha read from the saved model are the ones the run recorded after its last epoch.
    assert.ok(Math.abs(layer.z - learned[i]!.z!) < 1e-6 && Math.abs(layer.alpha - learned[i]!.alpha!) < 1e-6);
    assert.equal(layer.gaussianKept, keptFractionOfZ(layer.z));
    assert.equal(layer.groups, 20);
    assert.ok(layer.softKept > 0 && layer.softKept < 1 && layer.hardKept >= 0 && layer.hardKept <= 1);
    assert.ok(layer.ks >= 0 && layer.ks <= 1);
  }

  // Direct computation: capture the first layer's input for the same 20 images and apply the layer itself;
  // its gate is y / x, whose mean is the soft fraction kept.
  const model = await loadLayersModelFromDir(join(dir, 'model'));
  const layers = ashLayersOf(model);
  const probe = layerInputsModel(model, layers);
  const loaded = await loadTrainingData('fashion-mnist', { dataDir: data });
  const batch = await readBatch(loaded, loaded.test, Int32Array.from({ length: 20 }, (_, i) => i));
  const inputs = probe.predict(tf.tensor4d(batch.x, [20, 28, 28, 1])) as tf.Tensor[];
  const x = inputs[0]!;
  const gate = tf.div(layers[0]!.apply(x) as tf.Tensor, x).dataSync();
  const finite = [...gate].filter(Number.isFinite);
  assert.equal(finite.length, gate.length, 'no exact zero among the pre-activations');
  const soft = finite.reduce((a, b) => a + b, 0) / finite.length;
  assert.ok(Math.abs(soft - run.layers[0]!.softKept) < 1e-4, `${soft} vs ${run.layers[0]!.softKept}`);
  // The hard fraction: x >= m + z s per sample, with m and s the sample's population mean and sqrt(var + eps).
  const xs = x.reshape([20, -1]).arraySync() as number[][];
  let kept = 0;
  for (const sample of xs) {
    const m = sample.reduce((a, b) => a + b, 0) / sample.length;
    const v = sample.reduce((a, b) => a + (b - m) ** 2, 0) / sample.length;
    const t = m + run.layers[0]!.z * Math.sqrt(v + 1e-5);
    kept += sample.filter((value) => value >= t).length;
  }
  assert.equal(run.layers[0]!.hardKept, kept / (xs.length * xs[0]!.length));
  assert.match(renderAshAnalysisMarkdown(analysis), /\| Layer \| z \| α \| k = 1 − Φ\(z\) \| kept \(soft\) \|/);
});

test('analyze refuses a folder that does not exist and a bad sample count', async () => {
  await assert.rejects(analyzeAshRuns([join(tmp(), 'missing')]), /no such folder/);
  await assert.rejects(analyzeAshRuns([tmp()], { samples: 0 }), /--samples: expected a whole number >= 1/);
});
