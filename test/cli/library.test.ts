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

test('dist/index.js: tf tensors have the chained ops of @tensorflow/tfjs (x.square(), x.add(y).mean(), ...)', () => {
  const script = `
    import { readdirSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { dirname, join } from 'node:path';
    import { tf, initEngine } from 'ash-bench';
    await initEngine({ backend: 'cpu' });
    // tfjs-core's own list: one file per chained op, each assigning Tensor.prototype.<name>.
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist/public/chained_ops');
    const { readFileSync } = await import('node:fs');
    const official = readdirSync(dir).filter((f) => f.endsWith('.js') && !f.includes('_test') && !f.startsWith('register_all'))
      .map((f) => /prototype\\.(\\w+) =/.exec(readFileSync(join(dir, f), 'utf8'))[1]);
    const x = tf.tensor([1, 2, 3, 4]);
    const missing = official.filter((n) => typeof x[n] !== 'function');
    console.log(JSON.stringify({
      official: official.length,
      missing,
      square: Array.from(x.square().dataSync()),
      addMean: x.add(tf.tensor([1, 1, 1, 1])).mean().dataSync()[0],
      matrix: x.as2D(2, 2).matMul(tf.tensor2d([[1, 0], [0, 2]])).arraySync(),
      concat: Array.from(x.concat(tf.tensor([5])).dataSync()),
      toInt: x.div(tf.scalar(2)).floor().toInt().dtype,
      where: Array.from(x.where(tf.tensor([true, false, true, false], undefined, 'bool'), tf.zerosLike(x)).dataSync()),
    }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.equal(out.official, 137, 'tfjs-core 4.22 ships 137 chained ops');
  assert.deepEqual(out.missing, []);
  assert.deepEqual(out.square, [1, 4, 9, 16]);
  // mean of [2, 3, 4, 5] = 14 / 4
  assert.equal(out.addMean, 3.5);
  // [[1, 2], [3, 4]] x diag(1, 2) = [[1, 4], [3, 8]]
  assert.deepEqual(out.matrix, [[1, 4], [3, 8]]);
  assert.deepEqual(out.concat, [1, 2, 3, 4, 5]);
  assert.equal(out.toInt, 'int32');
  // where(cond, this, other): keeps 1 and 3, zero elsewhere
  assert.deepEqual(out.where, [1, 0, 3, 0]);
});
