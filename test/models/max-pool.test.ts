// Max pooling from windows: the same values as tf.maxPool, and the input gradient of an argmax loop (each
// output's upstream gradient goes to the first largest input of its window, TF's rule), on cpu, WASM and
// WASM with the native kernels. The loop is checked against the cpu backend's own MaxPoolGrad; the first
// test records why the layer exists: the WASM backend's MaxPoolGrad disagrees with both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { MaxPool, maxPool2d } from '../../src/models/max-pool.js';
import { argmaxPool, poolLabel, poolOutSize, type PoolCase } from '../helpers/max-pool-reference.js';

type Case = PoolCase;

const CASES: Case[] = [
  { shape: [1, 8, 8, 1], k: 2, s: 2, padding: 'valid' },
  { shape: [2, 9, 7, 3], k: 2, s: 2, padding: 'valid' },
  { shape: [2, 16, 16, 4], k: 3, s: 2, padding: 'same' },
  { shape: [1, 14, 14, 1], k: 3, s: 2, padding: 'same' },
  { shape: [1, 15, 13, 2], k: 3, s: 2, padding: 'same' },
  { shape: [1, 6, 5, 2], k: 3, s: 1, padding: 'same' },
];

const label = poolLabel;
const outSize = poolOutSize;

/** dL/dx for L = sum(maxpool(x) * dy): each dy goes to the first maximal element of its window. */
const argmaxGradient = (c: Case, x: Float32Array, dy: Float32Array): Float64Array => argmaxPool(c, x, dy).dx;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Values and input gradient of a pooling function on the current backend, with fixed random x and dy. */
function run(c: Case, pool: (x: tf.Tensor4D) => tf.Tensor, seed: number) {
  return tf.tidy(() => {
    const [n, h, w, ch] = c.shape;
    const x = tf.randomNormal(c.shape, 0, 1, 'float32', seed) as tf.Tensor4D;
    const dy = tf.randomNormal([n, outSize(h, c), outSize(w, c), ch], 0, 1, 'float32', seed + 1);
    const y = pool(x);
    const dx = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(pool(xs as tf.Tensor4D), dy)))(x);
    return { x: x.dataSync() as Float32Array, dy: dy.dataSync() as Float32Array, y: y.dataSync(), dx: dx.dataSync() };
  });
}

const tfjsPool = (c: Case) => (x: tf.Tensor4D) => tf.maxPool(x, c.k, c.s, c.padding);
const ourPool = (c: Case) => (x: tf.Tensor4D) => maxPool2d(x, c.k, c.s, c.padding);

test("the argmax loop equals the cpu backend's MaxPoolGrad; the WASM backend's misroutes negative maxima (why this layer exists)", async () => {
  await initEngine({ backend: 'cpu' });
  CASES.forEach((c, i) => {
    const r = run(c, tfjsPool(c), 10 + i);
    assert.ok(maxDiff(r.dx, argmaxGradient(c, r.x, r.dy)) < 1e-6, `cpu ${label(c)}`);
  });
  // WASM: the gradient of a window whose maximum is negative is lost or lands on the wrong element (measured:
  // all-negative windows of a 4x4 map sent theirs to element 0 or nowhere). ReLU nets never pool negative
  // maxima; ELU, SELU, Swish and ASH do.
  await initEngine({ backend: 'wasm', nativeKernels: false });
  const negative = tf.tidy(() => tf.sub(tf.neg(tf.abs(tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 4))), 0.1) as tf.Tensor4D);
  const dy = tf.ones([1, 4, 4, 1]);
  const dx = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xs as tf.Tensor4D, 2, 2, 'valid'), dy)))(negative);
  const c = CASES[0]!;
  const want = argmaxGradient(c, negative.dataSync() as Float32Array, dy.dataSync() as Float32Array);
  assert.equal(want.reduce((a, b) => a + b, 0), 16, 'one unit of gradient per window');
  assert.ok(maxDiff(dx.dataSync(), want) >= 1, 'WASM MaxPoolGrad now handles negative maxima: maxPool2d could go back to tf.maxPool');
  const ours = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(maxPool2d(xs as tf.Tensor4D, 2, 2, 'valid'), dy)))(negative);
  assert.equal(maxDiff(ours.dataSync(), want), 0);
  tf.dispose([negative, dy, dx, ours]);
});

// WASM: composed (fused kernels off), the fused WebAssembly kernels, and the native addon's.
for (const [backend, nativeKernels, fusedKernels] of [['cpu', false, false], ['wasm', false, false], ['wasm', false, true], ['wasm', true, true]] as const) {
  const form = backend === 'cpu' ? '' : nativeKernels ? ' with native kernels' : fusedKernels ? ' with fused WebAssembly kernels' : ', composed';
  test(`maxPool2d on ${backend}${form}: tf.maxPool's values, the argmax loop's gradient`, async (t) => {
    const engine = await initEngine({ backend, nativeKernels, fusedKernels });
    if (nativeKernels && !engine.nativeKernels) {
      if (process.env.CI) assert.fail(`native kernels are built under CI, but: ${engine.nativeKernelsUnavailable}`);
      t.skip(`native kernels unavailable: ${engine.nativeKernelsUnavailable}`);
      return;
    }
    CASES.forEach((c, i) => {
      const ours = run(c, ourPool(c), 10 + i);
      const theirs = run(c, tfjsPool(c), 10 + i);
      assert.equal(maxDiff(ours.y, theirs.y), 0, `${label(c)}: values`);
      assert.ok(maxDiff(ours.dx, argmaxGradient(c, ours.x, ours.dy)) < 1e-6, `${label(c)}: gradient`);
    });
  });
}

test('MaxPool layer: output shape, survives toJSON / modelFromJSON', async () => {
  await initEngine({ backend: 'cpu' });
  const input = tfl.input({ shape: [15, 13, 2] });
  const output = new MaxPool({ poolSize: 3, strides: 2, padding: 'same', name: 'pool' }).apply(input) as tfl.SymbolicTensor;
  assert.deepEqual(output.shape, [null, 8, 7, 2]);
  const model = tfl.model({ inputs: input, outputs: output });
  const copy = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as never });
  const x = tf.randomNormal([1, 15, 13, 2], 0, 1, 'float32', 3);
  const a = model.predict(x) as tf.Tensor;
  const b = copy.predict(x) as tf.Tensor;
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([x, a, b]);
});
