// End-to-end checks of `ash train` through the built CLI (npm test builds dist/ first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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
  const spec = a.spec as { activation: unknown; seed: number; backend: string };
  assert.deepEqual(spec.activation, { name: 'ash', k: 0.3 });
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
    [['--activation', 'relu6'], /unknown activation 'relu6'. Valid activations: .*ash.*swish/],
    [['--model', 'resnet21'], /unknown model 'resnet21'. Valid models: .*resnet20/],
    [['--dataset', 'cifar-10'], /unknown dataset 'cifar-10'. Valid datasets: .*fashion-mnist/],
    [['--backend', 'gpu'], /unknown backend 'gpu'. Valid backends: auto, cpu, tensorflow, tensorflow-gpu, wasm/],
    [['--activation', 'ash:k=1.5'], /ash.*k.*0 < k < 1/],
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
