// `ash doctor` through the built CLI: what it reports about backends and the native kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadNativeKernels, NATIVE_ADDON_PATH } from '../../src/engine/native.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function ash(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const built = loadNativeKernels().loaded;

test('ash doctor --json --backend wasm: the engine, its versions, and the native kernels when built', () => {
  const r = ash(['doctor', '--json', '--backend', 'wasm'], { ASH_NATIVE_THREADS: '1' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    available: string[];
    chosen: { name: string; simd: boolean; versions: Record<string, string>; nativeKernels?: { oneDnn: string; threads: number; kernels: string[] }; nativeKernelsUnavailable?: string };
  };
  assert.ok(report.available.includes('wasm') && report.available.includes('cpu'));
  assert.equal(report.chosen.name, 'wasm');
  assert.equal(report.chosen.versions['@tensorflow/tfjs-backend-wasm'], '4.22.0');
  if (built) {
    assert.equal(report.chosen.nativeKernels?.threads, 1, 'ASH_NATIVE_THREADS is honoured');
    assert.ok(report.chosen.nativeKernels?.kernels.includes('Conv2DBackpropFilter'));
    assert.ok(report.chosen.nativeKernels?.kernels.includes('AshBenchAsh'));
  } else {
    assert.match(report.chosen.nativeKernelsUnavailable ?? '', /not built|disabled/);
  }
});

test('ASH_NATIVE_KERNELS=0 turns the native kernels off, and doctor says so in words', () => {
  const r = ash(['doctor', '--backend', 'wasm'], { ASH_NATIVE_KERNELS: '0' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /native kernels: none, disabled by ASH_NATIVE_KERNELS=0/);
});

test('doctor names the oneDNN version and threads when the kernels load', { skip: built ? false : `not built: ${NATIVE_ADDON_PATH}` }, () => {
  const r = ash(['doctor', '--backend', 'wasm'], { ASH_NATIVE_THREADS: '2' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /native kernels: oneDNN \d+\.\d+\.\d+, 2 thread\(s\)/);
});

test('a bad ASH_NATIVE_THREADS is refused with the variable and the value named', () => {
  const r = ash(['doctor', '--backend', 'wasm'], { ASH_NATIVE_THREADS: 'many' });
  if (built) {
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ASH_NATIVE_THREADS must be a positive integer, got 'many'/);
  } else {
    assert.equal(r.status, 0, 'without the addon the variable is never read');
  }
});

test('asking for a native TensorFlow backend that is not installed says how to install it', () => {
  const r = ash(['doctor', '--backend', 'tensorflow']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /npm install @tensorflow\/tfjs-node@4\.22\.0/);
});
