// `ash bench` in --quick mode: every part runs and the JSON report is well formed with positive numbers;
// the pure pieces (ratios, timing-line parsing, sweep estimate) against hand-computed values. No timing asserts.
import { loadNativeKernels } from '../../src/engine/native.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { ratiosOf, throughputCases, type BenchReport } from '../../src/bench/run.js';
import { BENCH_CLASSES, buildBenchModel, randomPixelLabels, randomSceneTruth } from '../../src/bench/throughput.js';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { trainableParams } from '../../src/models/summary.js';
import { parseTimingLines } from '../../src/bench/startup.js';
import { estimateSweep, SMOKE_CONFIG } from '../../src/bench/sweep-estimate.js';
import { TORCH_SCRIPT, findTorch, measureTorch } from '../../src/bench/torch-reference.js';
import { tf } from '../../src/engine/tf.js';
import { multiboxLoss } from '../../src/models/detection/multibox-loss.js';
import { disposeTargets, type Detector } from '../../src/models/detection/types.js';
import type { ThroughputResult } from '../../src/bench/throughput.js';
import type { TorchResult } from '../../src/bench/torch-reference.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

/**
 * Trainable parameters by hand (3x3 conv k*k*cin*cout, BN 2*c, no conv bias before BN):
 * unet-small (1 -> 11 classes, base 16, 3 levels): down 2512 + 13952 + 55552, bottom 221696,
 *   up3 32832 (2x2 up-conv 128->64 + bias) + 110848, up2 8224 + 27776, up1 2064 + 6976, logits 16*11 + 11 = 482619.
 * ssd-small (1 -> 10 classes): convs 176 + 4672 + 18560 + 36992, extras 2 * (2112 + 18560), loc heads (4, 6, 4
 *   boxes) 9232 + 13848 + 9232, conf heads (x 11) 25388 + 38082 + 25388 = 222914.
 */
const HAND_PARAMS: Record<string, number> = { 'unet-small': 482619, 'ssd-small': 222914 };

function assertPositive(value: unknown, what: string): void {
  assert.equal(typeof value, 'number', `${what} should be a number, got ${JSON.stringify(value)}`);
  assert.ok(Number.isFinite(value as number) && (value as number) > 0, `${what} should be finite and > 0, got ${value}`);
}

test('ash bench --quick --json: every part runs and reports positive numbers', async () => {
  const r = await execa(process.execPath, [...CLI, 'bench', '--quick', '--json', '--backend', 'wasm', '--parts', 'throughput,activations,startup,sweep'], {
    cwd: ROOT,
    reject: false,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const report = JSON.parse(r.stdout) as BenchReport;
  assert.deepEqual(report.errors, []);
  assert.equal(report.quick, true);
  assert.equal(report.machine.loadAverageBefore.length, 3);

  // With the native kernels built, WASM is measured with them (wasm+onednn) and without (wasm).
  const variants = loadNativeKernels().loaded ? ['wasm+onednn', 'wasm'] : ['wasm'];
  const expected = ['resnet20 28x28x1', 'small-cnn 32x32x3', 'unet-small 64x64x1', 'ssd-small 64x64x1'].flatMap((c) => variants.map((v) => `${v} ${c}`));
  assert.deepEqual(report.throughput.map((t) => `${t.backend} ${t.model} ${t.inputShape.join('x')}`), expected);
  for (const t of report.throughput) {
    assertPositive(t.msPerStep, `${t.model} msPerStep`);
    if (t.model in HAND_PARAMS) assert.equal(t.params, HAND_PARAMS[t.model], `${t.model} trainable parameters`);
    // images/s is derived from ms/step and the batch: check the arithmetic, not the speed.
    assert.ok(Math.abs(t.imagesPerSecond - (t.batch * 1000) / t.msPerStep) < 1e-9 * t.imagesPerSecond);
  }

  // With the addon built: fused (wasm+onednn) and plain WASM activations, both on record.
  const activationRuns = loadNativeKernels().loaded ? [report.activations!, report.activationsPlain!] : [report.activations!];
  assert.deepEqual(activationRuns.map((a) => a?.backend), variants);
  for (const a of activationRuns) {
    assert.deepEqual(a.shape, [4, 8, 8, 8]);
    assert.ok(a.timings.length >= 10, 'every registry activation is timed');
    for (const t of a.timings) assertPositive(t.ms, `activation ${t.activation} ms`);
    const swish = a.timings.find((t) => t.activation === 'swish')!;
    assert.equal(swish.ratioToSwish, 1);
    const ash = a.timings.find((t) => t.activation === 'ash')!;
    assert.ok(Math.abs(ash.ratioToSwish - ash.ms / swish.ms) < 1e-12);
  }

  const s = report.startup!;
  for (const run of [s.cold, s.warm!]) {
    assertPositive(run.readyMs, 'readyMs');
    assert.ok(run.firstStepMs > run.readyMs, 'the first step ends after the model is ready');
    assertPositive(run.wallMs, 'wallMs');
  }

  const w = report.sweep!;
  assert.equal(w.jobs, 6, 'configs/smoke.yaml has 3 activations x 2 seeds');
  assertPositive(w.secondsPerJob, 'secondsPerJob');
  assertPositive(w.jobsPerHour, 'jobsPerHour');
});

test('ash bench rejects an unknown part with a usage error (exit 2)', async () => {
  const r = await execa(process.execPath, [...CLI, 'bench', '--parts', 'throughput,speed'], { cwd: ROOT, reject: false });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--parts: unknown part 'speed'; expected .*throughput, torch, activations, startup, sweep/);
});

test('ash bench rejects an unknown model with a usage error (exit 2)', async () => {
  const r = await execa(process.execPath, [...CLI, 'bench', '--models', 'unet-small,vgg'], { cwd: ROOT, reject: false });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--models: unknown model 'vgg'; expected .*resnet20, small-cnn, unet-small, ssd-small/);
});

test('throughputCases: --models keeps only those models, in the bench order', () => {
  assert.deepEqual(throughputCases(false, 'wasm', ['ssd-small', 'unet-small']).map((c) => `${c.model} ${c.inputShape.join('x')} ${c.batch}`), ['unet-small 64x64x1 16', 'ssd-small 64x64x1 16']);
  assert.equal(throughputCases(false, 'wasm').length, 5);
});

test('random bench targets: scene boxes inside the image, 2-4 per image; pixel labels with about 5% ignore', () => {
  const truth = randomSceneTruth(new Rng(1), 50, 64, 10);
  for (const t of truth) {
    const n = t.classes.length;
    assert.ok(n >= 2 && n <= 4, `${n} items`);
    assert.equal(t.boxes.length, 4 * n);
    for (let i = 0; i < n; i++) {
      const [x0, y0, x1, y1] = t.boxes.subarray(4 * i, 4 * i + 4);
      assert.ok(x0! >= 0 && y0! >= 0 && x1! <= 64 && y1! <= 64, `box ${[x0, y0, x1, y1]}`);
      assert.ok(x1! - x0! >= 8 && x1! - x0! <= 26 && y1! - y0! >= 8 && y1! - y0! <= 26);
      assert.ok(t.classes[i]! >= 0 && t.classes[i]! < 10);
    }
  }
  const labels = randomPixelLabels(new Rng(2), 20000, 11);
  const ignored = labels.filter((l) => l === 255).length / labels.length;
  assert.ok(ignored > 0.04 && ignored < 0.06, `ignored fraction ${ignored}`);
  assert.ok(labels.every((l) => l === 255 || (l >= 0 && l < 11)));
  assert.equal(new Set(labels.filter((l) => l !== 255)).size, 11);
});

test('ratiosOf divides by PyTorch on one thread, and by all threads per core', () => {
  const base = { model: 'resnet20' as const, inputShape: [28, 28, 1] as [number, number, number], batch: 128, activation: 'swish' };
  const ours: ThroughputResult[] = [{ ...base, backend: 'wasm', steps: 5, msPerStep: 1000, imagesPerSecond: 128, params: 1 }];
  const torch: TorchResult[] = [
    { ...base, threads: 1, msPerStep: 250, imagesPerSecond: 512, torchVersion: 'x', params: 1 },
    { ...base, threads: 2, msPerStep: 160, imagesPerSecond: 800, torchVersion: 'x', params: 1 },
    // A different batch must not pair up.
    { ...base, batch: 64, threads: 1, msPerStep: 1, imagesPerSecond: 64000, torchVersion: 'x', params: 1 },
  ];
  assert.deepEqual(ratiosOf(ours, torch), [
    { model: 'resnet20', inputShape: [28, 28, 1], batch: 128, backend: 'wasm', perCoreVsTorchOneThread: 0.25, perCoreVsTorchAllThreads: 0.32 },
  ]);
  assert.deepEqual(ratiosOf(ours, []), []);
});

test('parseTimingLines reads the train process timing lines and names what is missing', () => {
  const stderr = 'ash train: resnet20 ...\nash timing: ready 812.5\nepoch 1/1 ...\nash timing: first-step-done 1290\n';
  assert.deepEqual(parseTimingLines(stderr), { readyMs: 812.5, firstStepMs: 1290 });
  assert.throws(() => parseTimingLines('ash timing: ready 5\n'), /no 'ash timing: first-step-done' line/);
});

test('estimateSweep: the smoke sweep by hand', () => {
  // smoke.yaml: 6 jobs, each 2 epochs of ceil(2000/128) = 16 steps of 128 images, and 2 x 500 eval images.
  // At 1 ms per training image and 1000 ms to ready: 1000 + 32 * 128 + 1000 / 3 ms per job.
  const estimate = estimateSweep({ configFile: SMOKE_CONFIG, backend: 'wasm', msPerTrainImage: 1, readyMs: 1000, slots: 2 });
  const perJobSeconds = (1000 + 32 * 128 + 1000 / 3) / 1000;
  assert.equal(estimate.jobs, 6);
  assert.equal(estimate.slots, 2);
  assert.ok(Math.abs(estimate.secondsPerJob - perJobSeconds) < 1e-9);
  assert.ok(Math.abs(estimate.jobsPerHour - 7200 / perJobSeconds) < 1e-6);
});

test('findTorch explains a missing torch; measureTorch runs the reference script when torch is there', async (t) => {
  const missing = await findTorch(['/nonexistent/python3']);
  assert.equal(missing.ok, false);
  assert.match((missing as { reason: string }).reason, /no Python with torch \(\/nonexistent\/python3: .*\); on Debian: apt-get install python3-torch/);

  const probe = await findTorch();
  if (!probe.ok) {
    t.skip(`torch not installed: ${probe.reason}`);
    return;
  }
  const r = await measureTorch(probe.python, { model: 'small-cnn', inputShape: [32, 32, 3], batch: 2, activation: 'swish' }, { threads: 1, warmupSteps: 0, steps: 1 });
  assert.equal(r.threads, 1);
  assertPositive(r.msPerStep, 'torch msPerStep');
  assert.ok(Math.abs(r.imagesPerSecond - 2000 / r.msPerStep) < 1e-6 * r.imagesPerSecond);
});

test('the PyTorch mirrors have exactly our trainable parameter counts (every bench model)', async (t) => {
  const probe = await findTorch();
  if (!probe.ok) {
    t.skip(`torch not installed: ${probe.reason}`);
    return;
  }
  await initEngine({ backend: 'cpu' });
  for (const c of throughputCases(false, 'wasm')) {
    const ours = buildBenchModel(c.model, { activation: { name: 'swish' }, numClasses: BENCH_CLASSES[c.model], inputShape: c.inputShape, seed: 1 });
    const theirs = await measureTorch(probe.python, { ...c, batch: 2 }, { threads: 1, warmupSteps: 0, steps: 1 });
    t.diagnostic(`${c.model}: ${theirs.params} parameters`);
    assert.equal(theirs.params, trainableParams(ours.model), `${c.model} ${c.inputShape.join('x')}`);
    if (c.model in HAND_PARAMS) assert.equal(theirs.params, HAND_PARAMS[c.model]);
    ours.model.dispose();
  }
});

test("the PyTorch SSD loss (ssd.pytorch's match + MultiBoxLoss) equals ours on the same outputs and truth", async (t) => {
  const probe = await findTorch();
  if (!probe.ok) {
    t.skip(`torch not installed: ${probe.reason}`);
    return;
  }
  await initEngine({ backend: 'cpu' });
  const built = buildBenchModel('ssd-small', { activation: { name: 'swish' }, numClasses: 10, inputShape: [64, 64, 1], seed: 1 }) as ReturnType<typeof buildBenchModel> & { detector: Detector };
  const truth = randomSceneTruth(new Rng(4), 2, 64, 10);
  // Random head outputs stand in for the network: the comparison is of matching, mining and the loss alone.
  const loc = tf.randomNormal([2, 368, 4], 0, 1, 'float32', 5) as tf.Tensor3D;
  const conf = tf.randomNormal([2, 368, 11], 0, 2, 'float32', 6) as tf.Tensor3D;
  const targets = built.detector.encodeTargets(truth);
  const ours = multiboxLoss(loc, conf, { offsets: targets.tensors.offsets as tf.Tensor3D, labels: targets.tensors.labels as tf.Tensor2D });
  const input = JSON.stringify({ size: 64, loc: await loc.array(), conf: await conf.array(), truth: truth.map((x) => [[...x.boxes], [...x.classes]]) });
  const r = await execa(probe.python, [TORCH_SCRIPT, '--check-ssd-loss'], { input });
  const theirs = JSON.parse(r.stdout.trim()) as { total: number; loc: number; conf: number; priors: number };
  assert.equal(theirs.priors, 368);
  for (const part of ['loc', 'conf', 'total'] as const) {
    const value = ours[part].dataSync()[0]!;
    assert.ok(Math.abs(value - theirs[part]) < 1e-4 * Math.max(1, Math.abs(theirs[part])), `${part}: ours ${value}, PyTorch ${theirs[part]}`);
  }
  t.diagnostic(`loss ${theirs.total} (loc ${theirs.loc}, conf ${theirs.conf})`);
  disposeTargets(targets);
  tf.dispose([loc, conf, ours.total, ours.loc, ours.conf]);
  built.model.dispose();
});
