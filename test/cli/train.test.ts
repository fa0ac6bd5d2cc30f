// End-to-end checks of `ash train` through the built CLI (npm test builds dist/ first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMnistFixture } from '../helpers/idx-fixtures.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function ash(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-train-'));

test('ash train is deterministic on WASM: the same command twice gives identical results', () => {
  const data = tmp();
  writeMnistFixture(data, { gzip: true, train: 96, test: 40 });
  const run = (): Record<string, unknown> => {
    const out = tmp();
    const r = ash(['train', '--data-dir', data, '--model', 'resnet20', '--activation', 'ash:k=0.3', '--epochs', '2', '--batch-size', '32', '--seed', '7', '--backend', 'wasm', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Record<string, unknown>;
  };
  const a = run();
  const b = run();
  const strip = (r: Record<string, unknown>): unknown => (r.history as { seconds: number }[]).map(({ seconds: _s, ...rest }) => rest);
  assert.equal(a.status, 'ok');
  assert.deepEqual(a.metrics, b.metrics);
  assert.deepEqual(strip(a), strip(b));
  const history = a.history as { epoch: number; trainLoss: number; ash?: { z: number; alpha: number }[] }[];
  assert.equal(history.length, 2);
  assert.ok(Number.isFinite(history[1]!.trainLoss));
  // 19 ASH sites in a ResNet-20, each with its own learned z and alpha, moved away from the initial values.
  assert.equal(history[1]!.ash!.length, 19);
  const z0 = -0.5244005127080407; // Phi^-1(1 - 0.3)
  assert.ok(history[1]!.ash!.some((s) => Math.abs(s.z - z0) > 1e-6));
  // A one-job sweep: the activation's options with the registry's defaults filled, as a sweep's spec has them.
  const spec = a.spec as { activation: Record<string, unknown>; seed: number; backend: string; task: string };
  assert.equal(spec.activation.name, 'ash');
  assert.equal(spec.activation.k, 0.3);
  assert.equal(spec.activation.alpha, 1);
  assert.equal(spec.task, 'classification');
  assert.equal(a.schema, 2);
  assert.equal(a.primaryMetric, 'top1');
  assert.equal((a.env as { backend: string }).backend, 'wasm');
});

test('a different seed gives a different run', () => {
  const data = tmp();
  writeMnistFixture(data, { gzip: false, train: 64, test: 20 });
  const metrics = [1, 2].map((seed) => {
    const out = tmp();
    const r = ash(['train', '--data-dir', data, '--activation', 'relu', '--epochs', '1', '--batch-size', '32', '--seed', String(seed), '--backend', 'wasm', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { history: { trainLoss: number }[] }).history[0]!.trainLoss;
  });
  assert.notEqual(metrics[0], metrics[1]);
});

test('bad names list the valid ones and exit 2', () => {
  const out = tmp();
  const cases: [string[], RegExp][] = [
    [['--activation', 'relu6'], /--activation {2}grid\.activation\.0\.name {2}unknown activation 'relu6' \(expected one of: .*ash.*swish; did you mean 'relu'\?\)/],
    [['--model', 'resnet21'], /--model {2}grid\.model\.0 {2}unknown model 'resnet21' \(expected one of: .*resnet20/],
    [['--dataset', 'cifar-10'], /--dataset {2}grid\.dataset\.0 {2}unknown dataset 'cifar-10' \(expected one of: .*fashion-mnist/],
    [['--backend', 'gpu'], /--backend {2}backend {2}got the string "gpu" \(expected one of: auto, tensorflow-gpu, tensorflow, wasm, cpu; did you mean 'tensorflow-gpu'\?\)/],
    [['--activation', 'ash:k=1.5'], /--activation {2}grid\.activation\.0\.k {2}1\.5 is too large \(expected a fraction 0 < k < 1/],
    // ash train validates its flags with the sweep schema: values that once trained to "ok" or to NaN.
    [['--lr', '-1'], /--lr {2}train\.optimizer\.lr {2}-1 is too small \(expected a value > 0\)/],
    [['--epochs', 'two'], /--epochs {2}train\.epochs {2}got the string "two" \(expected a number\)/],
    [['--bn-momentum', '1'], /--bn-momentum {2}train\.bnMomentum {2}1 is too large \(expected a value < 1\)/],
    // The task follows the model: a classifier cannot train on a segmentation dataset.
    [['--dataset', 'voc-segmentation'], /--dataset {2}grid\.dataset\.0 {2}dataset 'voc-segmentation' is a segmentation dataset, and this sweep's task is classification \(expected one of: .*fashion-mnist/],
    [['--data-dir', join(out, 'nowhere')], /nowhere lacks train-images-idx3-ubyte/],
  ];
  for (const [args, message] of cases) {
    // --backend only once: a flag given twice is an error of its own.
    const r = ash(['train', '--out', out, ...(args.includes('--backend') ? [] : ['--backend', 'wasm']), ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'a user error prints no stack trace');
  }
});

test('ash train is a one-job sweep: a job folder in --out, a report over a folder of runs, nothing overwritten', () => {
  const data = tmp();
  writeMnistFixture(data, { gzip: false, train: 64, test: 20 });
  const runs = join(tmp(), 'my-runs');
  const train = (activation: string, out: string, extra: string[] = []) =>
    ash(['train', '--data-dir', data, '--activation', activation, '--epochs', '1', '--batch-size', '32', '--seed', '1', '--backend', 'wasm', '--out', join(runs, out), ...extra]);
  for (const [activation, out] of [['relu', 'relu-s1'], ['swish', 'swish-s1']] as const) {
    const r = train(activation, out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ok: top-1 \d+\.\d\d%  top-5 \d+\.\d\d%  val loss \d+\.\d{4}  -> /);
    // The files of a sweep's job folder.
    for (const file of ['spec.json', 'metrics.jsonl', 'log.jsonl', 'result.json']) assert.ok(existsSync(join(runs, out, file)), `${out}/${file}`);
  }
  const relu = JSON.parse(readFileSync(join(runs, 'relu-s1', 'result.json'), 'utf8')) as { spec: { sweep: string; label: string }; history: unknown[] };
  assert.equal(relu.spec.sweep, 'my-runs', 'the folder above --out names the sweep');
  assert.equal(relu.spec.label, 'relu');
  const epochs = readFileSync(join(runs, 'relu-s1', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
  assert.deepEqual(epochs, relu.history);
  // `ash report DIR` compares the runs as it does a sweep's.
  const report = ash(['report', runs, '--format', 'json']);
  assert.equal(report.status, 0, report.stderr);
  const rows = JSON.parse(report.stdout) as { activation: string; sweep: string; metric: string; n: number }[];
  assert.deepEqual(rows.map((r) => [r.activation, r.sweep, r.metric, r.n]), [['ReLU', 'my-runs', 'top1', 1], ['Swish', 'my-runs', 'top1', 1]]);
  // --json: the outcome as one JSON line, the numbers result.json holds; here for a run that had finished.
  const json = train('swish', 'swish-s1', ['--json']);
  assert.equal(json.status, 0, json.stderr);
  const swish = JSON.parse(readFileSync(join(runs, 'swish-s1', 'result.json'), 'utf8')) as { metrics: unknown; jobId: string };
  assert.deepEqual(JSON.parse(json.stdout), {
    status: 'ok',
    jobId: swish.jobId,
    task: 'classification',
    primaryMetric: 'top1',
    metrics: swish.metrics,
    result: join(runs, 'swish-s1', 'result.json'),
    model: join(runs, 'swish-s1', 'model'),
    alreadyFinished: true,
  });
  // The same command again finds the run finished; another spec in the same folder is refused, not overwritten.
  const again = train('relu', 'relu-s1');
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^ok \(already finished in .*relu-s1/);
  const other = train('relu', 'relu-s1', ['--lr', '0.05']);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /relu-s1 holds another run \(spec\.json of a different spec, train\.optimizer\.lr: 0\.1 there, 0\.05 here\); choose another --out/);
  assert.deepEqual(JSON.parse(readFileSync(join(runs, 'relu-s1', 'result.json'), 'utf8')), JSON.parse(JSON.stringify(relu)) as unknown);
});
