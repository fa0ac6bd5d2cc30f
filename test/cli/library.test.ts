// The published entry point (dist/index.js, built by npm test) exposes the documented API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

test('dist/index.js: tf, initEngine, createActivation and activationNames work together, as package "ash-bench"', () => {
  // Run in a child so that the import goes through the package's own "exports" (self-reference by name).
  const script = `
    import { tf, initEngine, createActivation, activationNames } from 'ash-bench';
    const engine = await initEngine({ backend: 'wasm' });
    const names = activationNames();
    const layer = createActivation({ name: 'ash', k: 0.5 });
    const y = layer.apply(tf.tensor2d([[-1, 0, 1, 2]]));
    console.log(JSON.stringify({ engine: engine.name, names, y: Array.from(y.dataSync()), backend: tf.getBackend() }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { engine: string; names: string[]; y: number[]; backend: string };
  assert.equal(out.engine, 'wasm');
  assert.equal(out.backend, 'wasm');
  for (const n of ['ash', 'ash-hard', 'ash-topk', 'relu', 'lrelu', 'prelu', 'softplus', 'elu', 'selu', 'gelu', 'swish', 'mish']) assert.ok(out.names.includes(n), n);
  // ASH with k = 0.5 (z = 0, alpha = 1) on one sample [-1, 0, 1, 2] of mean 0.5: x * sigmoid(2 (x - 0.5)).
  const expected = [-1, 0, 1, 2].map((x) => x / (1 + Math.exp(-2 * (x - 0.5))));
  out.y.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `${v} vs ${expected[i]}`));
});
