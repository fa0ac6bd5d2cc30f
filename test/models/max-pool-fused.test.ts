// The fused max-pool kernels (native/fused_kernels.c: through the native addon, and as the WebAssembly module)
// against the composed pool run on the cpu backend and a float64 argmax loop, on the same inputs: values
// exactly, input gradients to float32 summation order, for the zoo's kernel/stride/padding combinations,
// with windows whose maximum is negative and with ties (which must go to the first window offset in raster
// order, as the composed pool's chain of maximums sends them). The native suite skips without the addon,
// except under CI (setup builds it).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { loadNativeKernels } from '../../src/engine/native.js';
import { FUSED_MAX_POOL, FUSED_MAX_POOL_GRAD } from '../../src/engine/kernels/native_activations.js';
import { MaxPool, maxPool2d, maxPool2dComposed, maxPool2dFused } from '../../src/models/max-pool.js';
import { argmaxPool, poolLabel, poolOutSize, type PoolCase } from '../helpers/max-pool-reference.js';

const status = loadNativeKernels();
const nativeSkip = status.loaded ? false : `native kernels unavailable: ${status.loaded ? '' : status.reason}`;

/** The pools of the zoo: U-Net 2/2 valid, ResNet/Mask R-CNN stems 3/2 same, SSD300 pool5 3/1 same, SSD 2/2 same (odd sizes: ceil mode), FPN P6 1/2 valid, YOLO SPPF 5/1 same. */
const CASES: PoolCase[] = [
  { shape: [2, 9, 7, 3], k: 2, s: 2, padding: 'valid' },
  { shape: [1, 8, 8, 16], k: 2, s: 2, padding: 'valid' },
  { shape: [2, 15, 13, 5], k: 3, s: 2, padding: 'same' },
  { shape: [1, 16, 16, 8], k: 3, s: 2, padding: 'same' },
  { shape: [1, 6, 5, 3], k: 3, s: 1, padding: 'same' },
  { shape: [1, 7, 9, 3], k: 2, s: 2, padding: 'same' },
  { shape: [2, 5, 5, 2], k: 2, s: 2, padding: 'same' },
  { shape: [1, 7, 6, 4], k: 1, s: 2, padding: 'valid' },
  { shape: [1, 6, 7, 3], k: 5, s: 1, padding: 'same' },
];

/** Deterministic pseudo-normal values (sum of uniforms from an LCG), the same on every backend. */
function noise(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Float32Array.from({ length: count }, () => uniform() + uniform() + uniform() - 1.5);
}

/** The inputs each case runs on: random; every value negative (-|v| - 0.1); and few distinct values, so most windows tie. */
const INPUTS: Array<{ name: string; make: (count: number, seed: number) => Float32Array }> = [
  { name: 'random', make: (count, seed) => noise(count, seed) },
  { name: 'negative', make: (count, seed) => noise(count, seed).map((v) => -Math.abs(v) - 0.1) },
  { name: 'ties', make: (count, seed) => noise(count, seed).map((v) => Math.round(v * 2) - 3) },
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}

/** y and dx = d sum(y * dy) / dx of `pool` on the current backend. */
function valueAndGradient(pool: (x: tf.Tensor4D) => tf.Tensor, c: PoolCase, x: Float32Array, dy: Float32Array): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.shape);
    const dyt = tf.tensor(dy, [c.shape[0], poolOutSize(c.shape[1], c), poolOutSize(c.shape[2], c), c.shape[3]]);
    const y = pool(xt);
    const dx = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(pool(xs as tf.Tensor4D), dyt)))(xt);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

/** For every case and input: the composed pool's values and gradient on the cpu backend. */
async function cpuReference(): Promise<Map<string, { y: Float32Array; dx: Float32Array }>> {
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  const out = new Map<string, { y: Float32Array; dx: Float32Array }>();
  try {
    CASES.forEach((c, ci) =>
      INPUTS.forEach((input, ii) => {
        const x = input.make(c.shape.reduce((a, b) => a * b), 100 * ci + ii);
        const dy = noise(c.shape[0] * poolOutSize(c.shape[1], c) * poolOutSize(c.shape[2], c) * c.shape[3], 7 + ci);
        out.set(`${ci}/${ii}`, valueAndGradient((t) => maxPool2dComposed(t, c.k, c.s, c.padding), c, x, dy));
      }),
    );
  } finally {
    await tf.setBackend(previous);
  }
  return out;
}

for (const kind of ['native', 'wasm'] as const) {
  describe(`fused max pooling, ${kind} implementation`, () => {
    const skip = kind === 'native' ? nativeSkip : false;
    let reference: Map<string, { y: Float32Array; dx: Float32Array }>;
    before(async () => {
      if (skip) return;
      const engine = await initEngine({ backend: 'wasm', nativeKernels: kind === 'native' });
      assert.equal(engine.fusedKernels, kind);
      reference = await cpuReference();
    });

    test('a hand-worked 3x3 map: 2x2/2 same pooling, a tie, negative windows, padding never chosen', { skip }, () => {
      // x = [[1, 3, 2], [3, -1, 0], [-5, -4, -6]]; 'same' pads one row and column after (TF puts the odd one
      // there), so the windows are rows {0,1} x cols {0,1}, {0,1} x {2}, {2} x {0,1}, {2} x {2}:
      //   max(1, 3, 3, -1) = 3, a tie between x[0][1] (offset (0,1)) and x[1][0] (offset (1,0)): the first, index 1;
      //   max(2, 0) = 2 at index 2;  max(-5, -4) = -4 at index 7;  max(-6) = -6 at index 8 (not the -inf padding).
      // With dy = [1, 2, 3, 4]: dx = [0, 1, 2, 0, 0, 0, 0, 3, 4].
      const x = tf.tensor4d([1, 3, 2, 3, -1, 0, -5, -4, -6], [1, 3, 3, 1]);
      const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const y = maxPool2dFused(x, 2, 2, 'same');
      const dx = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(maxPool2dFused(xs as tf.Tensor4D, 2, 2, 'same'), dy)))(x);
      assert.deepEqual(Array.from(y.dataSync()), [3, 2, -4, -6]);
      assert.deepEqual(Array.from(dx.dataSync()), [0, 1, 2, 0, 0, 0, 0, 3, 4]);
      tf.dispose([x, dy, y, dx]);
    });

    test("values equal the composed pool's on the cpu backend exactly, and are never the padding's -inf", { skip }, () => {
      CASES.forEach((c, ci) =>
        INPUTS.forEach((input, ii) => {
          const x = input.make(c.shape.reduce((a, b) => a * b), 100 * ci + ii);
          const { y } = valueAndGradient((t) => maxPool2d(t, c.k, c.s, c.padding), c, x, noise(reference.get(`${ci}/${ii}`)!.y.length, 7 + ci));
          assert.equal(maxAbsDiff(y, reference.get(`${ci}/${ii}`)!.y), 0, `${poolLabel(c)} ${input.name}`);
          assert.equal(maxAbsDiff(y, argmaxPool(c, x, new Float32Array(y.length)).y), 0, `${poolLabel(c)} ${input.name}: the float64 loop`);
          assert.ok(y.every(Number.isFinite), `${poolLabel(c)} ${input.name}: finite`);
        }),
      );
    });

    test('gradients equal the float64 argmax loop and the composed pool on the cpu backend (ties to the first window offset)', { skip }, () => {
      CASES.forEach((c, ci) =>
        INPUTS.forEach((input, ii) => {
          const x = input.make(c.shape.reduce((a, b) => a * b), 100 * ci + ii);
          const ref = reference.get(`${ci}/${ii}`)!;
          const dy = noise(ref.y.length, 7 + ci);
          const { dx } = valueAndGradient((t) => maxPool2d(t, c.k, c.s, c.padding), c, x, dy);
          const loop = argmaxPool(c, x, dy).dx;
          const where = `${poolLabel(c)} ${input.name}`;
          if (c.s >= c.k) {
            // Windows do not overlap: each dx is one dy or 0, so the three agree exactly.
            assert.equal(maxAbsDiff(dx, loop), 0, `${where}: the loop`);
            assert.equal(maxAbsDiff(dx, ref.dx), 0, `${where}: cpu`);
          } else {
            // Overlapping windows add up to k^2 dy terms per input, in another order than the loop's float64.
            assert.ok(maxAbsDiff(dx, loop) < 1e-5, `${where}: the loop, ${maxAbsDiff(dx, loop)}`);
            assert.ok(maxAbsDiff(dx, ref.dx) < 1e-5, `${where}: cpu, ${maxAbsDiff(dx, ref.dx)}`);
          }
          // Each dy went somewhere inside x: the gradient sums to the sum of dy.
          const total = (v: ArrayLike<number>) => Array.prototype.reduce.call(v, (a: number, b: number) => a + b, 0) as number;
          assert.ok(Math.abs(total(dx) - total(dy)) < 1e-4, `${where}: sum of dx = sum of dy`);
        }),
      );
    });

    test('the MaxPool layer runs the two fused kernels, not the composed pad/slice/maximum chain', { skip }, async () => {
      const x = tf.tensor4d(noise(2 * 8 * 8 * 4, 3), [2, 8, 8, 4]);
      const layer = new MaxPool({ poolSize: 3, strides: 2, padding: 'same' });
      const profile = await tf.profile(() => tf.grad((xs: tf.Tensor) => tf.sum(layer.apply(xs) as tf.Tensor))(x));
      const calls = profile.kernels.map((k) => k.name);
      assert.ok(calls.includes(FUSED_MAX_POOL) && calls.includes(FUSED_MAX_POOL_GRAD), `kernels: ${calls.join(', ')}`);
      assert.ok(!calls.includes('Maximum') && !calls.includes('PadV2'), `kernels: ${calls.join(', ')}`);
      tf.dispose([x, profile.result as tf.Tensor]);
    });

    test('a window of NaNs gives NaN forward (a diverged run stays visible), and its gradient stays inside x', { skip }, () => {
      const data = noise(2 * 4 * 4 * 1, 5);
      data.fill(NaN, 0, 16); // the whole first sample
      const x = tf.tensor4d(data, [2, 4, 4, 1]);
      const y = maxPool2dFused(x, 2, 2, 'valid');
      const dx = tf.grad((xs: tf.Tensor) => tf.sum(maxPool2dFused(xs as tf.Tensor4D, 2, 2, 'valid')))(x);
      const v = Array.from(y.dataSync());
      assert.ok(v.slice(0, 4).every(Number.isNaN), 'the NaN sample pools to NaN');
      assert.deepEqual(v.slice(4), Array.from(argmaxPool({ shape: [1, 4, 4, 1], k: 2, s: 2, padding: 'valid' }, data.slice(16), [0, 0, 0, 0]).y));
      const g = Array.from(dx.dataSync());
      assert.equal(g.reduce((a, b) => a + b, 0), 8, 'one unit of gradient per window, all of it inside x');
      tf.dispose([x, y, dx]);
    });

    test('the gradient kernel skips an argmax outside x instead of writing there', { skip }, () => {
      // dx [6] from 4 outputs whose argmax are 1, -1, 6 (one past the end) and 1: only index 1 gets anything, 1 + 4.
      const dy = tf.tensor1d([1, 2, 3, 4]);
      const argmax = tf.tensor1d([1, -1, 6, 1], 'int32');
      const dx = tf.engine().runKernel(FUSED_MAX_POOL_GRAD, { dy, argmax }, { inputShape: [6] }) as tf.Tensor;
      assert.deepEqual(Array.from(dx.dataSync()), [0, 5, 0, 0, 0, 0]);
      tf.dispose([dy, argmax, dx]);
    });

    test('the fused pool leaves no tensors behind, with and without a gradient tape', { skip }, () => {
      const x = tf.tensor4d(noise(2 * 6 * 6 * 3, 9), [2, 6, 6, 3]);
      const step = () => {
        tf.tidy(() => {
          maxPool2d(x, 3, 2, 'same');
        });
        tf.tidy(() => {
          tf.grad((xs: tf.Tensor) => tf.sum(maxPool2d(xs as tf.Tensor4D, 3, 2, 'same')))(x);
        });
      };
      step();
      const count = tf.memory().numTensors;
      step();
      assert.equal(tf.memory().numTensors, count);
      tf.dispose(x);
    });
  });
}

test('without the fused kernels (cpu, or ASH_FUSED_KERNELS=0 on WASM) max pooling is the composed form', async () => {
  for (const options of [{ backend: 'cpu' }, { backend: 'wasm', nativeKernels: false, fusedKernels: false }] as const) {
    await initEngine(options);
    const x = tf.tensor4d(noise(1 * 6 * 6 * 2, 4), [1, 6, 6, 2]);
    const profile = await tf.profile(() => maxPool2d(x, 2, 2, 'valid'));
    const calls = profile.kernels.map((k) => k.name);
    assert.ok(!calls.includes(FUSED_MAX_POOL) && calls.includes('Maximum'), `${options.backend}: ${calls.join(', ')}`);
    tf.dispose([x, profile.result as tf.Tensor]);
  }
});
