// The fused kernels (Swish, smooth ASH, training-mode batch norm), in both implementations: native
// (the addon) and WebAssembly (native/wasm/fused.wasm), against the composed tfjs forms they replace run
// on the cpu backend (values and gradients; ASH's reference is plain autodiff), on the same inputs; NaN
// propagation; no leaks. The native suite skips without the addon, except under CI (setup builds it).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { loadNativeKernels } from '../../src/engine/native.js';
import { fusedAsh, fusedSwish } from '../../src/activations/fused.js';
import { ashPlainOps, type AshMathOptions } from '../../src/activations/ash-math.js';
import { statsView } from '../../src/activations/tensor-utils.js';
import { batchNormTrainingComposed, batchNormTrainingFused } from '../../src/models/batch-norm.js';
import { createActivation } from '../../src/activations/registry.js';

const status = loadNativeKernels();
const nativeSkip = status.loaded ? false : `native kernels unavailable: ${status.loaded ? '' : status.reason}`;

/** max|a - b| / max(1, max|b|), as in the kernel tests. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    ref = Math.max(ref, Math.abs(expected[i]!));
  }
  return Number.isNaN(diff) ? Infinity : diff / Math.max(1, ref);
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** Run `body` on the cpu backend with copies of `inputs`, returning the values of what it returns. */
async function onCpu(inputs: tf.Tensor[], body: (...copies: tf.Tensor[]) => tf.Tensor[]): Promise<number[][]> {
  const data = inputs.map((t) => ({ values: t.dataSync().slice(), shape: t.shape }));
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => body(...data.map((d) => tf.tensor(d.values, d.shape))).map(values));
  } finally {
    await tf.setBackend('wasm');
  }
}

for (const kind of ['native', 'wasm'] as const) {
  describe(`fused kernels, ${kind} implementation`, () => {
    const skip = kind === 'native' ? nativeSkip : false;
    before(async () => {
      const engine = await initEngine({ backend: 'wasm', nativeKernels: kind === 'native' });
      if (!skip) assert.equal(engine.fusedKernels, kind);
    });

    test('fused Swish equals x * sigmoid(beta x) and its autodiff gradient on the cpu backend (beta 1 and 1.7)', { skip }, async () => {
      for (const beta of [1, 1.7]) {
        const x = tf.randomNormal([4, 9, 9, 5], 0, 3, 'float32', 11);
        const dy = tf.randomNormal([4, 9, 9, 5], 0, 1, 'float32', 12);
        const fused = (input: tf.Tensor) => fusedSwish(input, beta)!;
        const [yF, gF] = [fused(x), tf.grad(fused)(x, dy)];
        const [yC, gC] = await onCpu([x, dy], (xc, dyc) => {
          const composed = (input: tf.Tensor) => tf.mul(input, tf.sigmoid(tf.mul(input, beta)));
          return [composed(xc!), tf.grad(composed)(xc!, dyc!)];
        });
        assert.ok(relativeError(values(yF), yC!) < 1e-5, `beta ${beta}: value ${relativeError(values(yF), yC!)}`);
        assert.ok(relativeError(values(gF), gC!) < 1e-5, `beta ${beta}: gradient ${relativeError(values(gF), gC!)}`);
        tf.dispose([x, dy, yF, gF]);
      }
    });

    test('the Swish layer uses the fused kernel', { skip }, async () => {
      const layer = createActivation({ name: 'swish' });
      const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 3);
      let y: tf.Tensor | undefined;
      const profile = await tf.profile(() => {
        y = layer.apply(x) as tf.Tensor;
        return y;
      });
      const calls = profile.kernels.map((k) => k.name);
      assert.ok(calls.includes('AshBenchSwish'), `kernels: ${calls.join(', ')}`);
      assert.ok(!calls.includes('Sigmoid'), 'no composed sigmoid');
      tf.dispose([x, y!]);
    });

    const ashCases: Array<{ label: string; shape: number[]; options: AshMathOptions; z: number; alpha: number }> = [
      { label: 'per sample', shape: [3, 7, 7, 6], options: { stats: 'sample', epsilon: 1e-5, stopStatsGradient: false }, z: 0.8, alpha: 1.3 },
      { label: 'per sample, stopped statistics', shape: [3, 7, 7, 6], options: { stats: 'sample', epsilon: 1e-5, stopStatsGradient: true }, z: -0.4, alpha: 2 },
      { label: 'per channel', shape: [2, 5, 6, 8], options: { stats: 'channel', epsilon: 1e-5, stopStatsGradient: false }, z: 1.1, alpha: 0.7 },
      { label: 'dense [B, N]', shape: [5, 33], options: { stats: 'sample', epsilon: 1e-5, stopStatsGradient: false }, z: 0.2, alpha: 1 },
    ];

    test('fused ASH equals autodiff through plain ops on the cpu backend: value and gradients w.r.t. x, z and alpha', { skip }, async () => {
      for (const cs of ashCases) {
        const x = tf.randomNormal(cs.shape, 0.3, 2, 'float32', 21);
        const dy = tf.randomNormal(cs.shape, 0, 1, 'float32', 22);
        const z = tf.scalar(cs.z);
        const alpha = tf.scalar(cs.alpha);
        const viaFused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const y = fusedAsh(statsView(a, cs.options.stats), b, c, cs.options);
          assert.ok(y, `${cs.label}: the fused kernel is available`);
          return tf.reshape(y, a.shape);
        };
        const yF = viaFused(x, z, alpha);
        const gF = tf.grads(viaFused)([x, z, alpha], dy);
        const [yC, ...gC] = await onCpu([x, z, alpha, dy], (xc, zc, ac, dyc) => {
          const plain = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => ashPlainOps(a, b, c, cs.options);
          return [plain(xc!, zc!, ac!), ...tf.grads(plain)([xc!, zc!, ac!], dyc!)];
        });
        assert.ok(relativeError(values(yF), yC!) < 1e-5, `${cs.label}: value`);
        ['x', 'z', 'alpha'].forEach((name, i) => {
          const err = relativeError(values(gF[i]!), gC[i]!);
          assert.ok(err < 1e-4, `${cs.label}: d/d${name} ${err} (${values(gF[i]!).slice(0, 3)} vs ${gC[i]!.slice(0, 3)})`);
        });
        assert.ok(Math.abs(gC[1]![0]!) > 1e-3, `${cs.label}: the z gradient is not trivially zero`);
        tf.dispose([x, dy, z, alpha, yF, ...gF]);
      }
    });

    test('fused batch norm equals the composed form on the cpu backend: y, batch statistics and gradients', { skip }, async () => {
      const lossOf = (impl: typeof batchNormTrainingFused) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const r = impl(a, g, b, 1e-5);
        tf.dispose([r.mean, r.variance]);
        return r.y;
      };
      for (const shape of [[4, 6, 6, 16], [64, 3]]) {
        const channels = shape[shape.length - 1]!;
        const x = tf.randomNormal(shape, 1.5, 3, 'float32', 31);
        const dy = tf.randomNormal(shape, 0, 1, 'float32', 32);
        const gamma = tf.randomNormal([channels], 1, 0.2, 'float32', 33);
        const beta = tf.randomNormal([channels], 0, 0.2, 'float32', 34);
        const f = batchNormTrainingFused(x, gamma, beta, 1e-5);
        const gF = tf.grads(lossOf(batchNormTrainingFused))([x, gamma, beta], dy);
        const [yC, meanC, varianceC, ...gC] = await onCpu([x, gamma, beta, dy], (xc, gc, bc, dyc) => {
          const c = batchNormTrainingComposed(xc!, gc!, bc!, 1e-5);
          return [c.y, c.mean, c.variance, ...tf.grads(lossOf(batchNormTrainingComposed))([xc!, gc!, bc!], dyc!)];
        });
        assert.ok(relativeError(values(f.y), yC!) < 1e-5, `${shape}: y`);
        assert.ok(relativeError(values(f.mean), meanC!) < 1e-5, `${shape}: mean`);
        assert.ok(relativeError(values(f.variance), varianceC!) < 1e-5, `${shape}: variance`);
        ['x', 'gamma', 'beta'].forEach((name, i) => {
          const err = relativeError(values(gF[i]!), gC[i]!);
          assert.ok(err < 1e-4, `${shape}: d/d${name} ${err}`);
        });
        tf.dispose([x, dy, gamma, beta, f.y, f.mean, f.variance, ...gF]);
      }
    });

    test('a NaN input gives NaN where it is, forward and backward (a diverging run stays visible)', { skip }, () => {
      const data = new Float32Array(64).map((_, i) => Math.sin(i));
      data[5] = NaN;
      const x = tf.tensor(data, [2, 32]);
      const dy = tf.onesLike(x);
      const swish = fusedSwish(x, 1)!;
      const swishGrad = tf.grad((a: tf.Tensor) => fusedSwish(a, 1)!)(x, dy);
      const options: AshMathOptions = { stats: 'sample', epsilon: 1e-5, stopStatsGradient: false };
      const ash = fusedAsh(x, tf.scalar(0), tf.scalar(1), options)!;
      for (const [name, t] of [['swish', swish], ['swish gradient', swishGrad], ['ash', ash]] as const) {
        const v = values(t);
        assert.ok(Number.isNaN(v[5]), `${name}: the NaN element stays NaN`);
        assert.ok(v.slice(32).every(Number.isFinite), `${name}: the other sample is untouched`);
      }
      tf.dispose([x, dy, swish, swishGrad, ash]);
    });

    test('fused kernels leave no tensors behind over a forward and backward pass', { skip }, () => {
      const x = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 41);
      const gamma = tf.ones([4]);
      const beta = tf.zeros([4]);
      const z = tf.scalar(0.5);
      const alpha = tf.scalar(1);
      const step = () =>
        tf.tidy(() => {
          const loss = (a: tf.Tensor, zz: tf.Tensor, aa: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
            const bn = batchNormTrainingFused(a, g, b, 1e-5);
            tf.dispose([bn.mean, bn.variance]);
            return tf.sum(fusedSwish(tf.reshape(fusedAsh(statsView(bn.y, 'sample'), zz, aa, { stats: 'sample', epsilon: 1e-5, stopStatsGradient: false })!, a.shape), 1)!);
          };
          tf.grads(loss)([x, z, alpha, gamma, beta]);
        });
      step();
      const before = tf.memory().numTensors;
      step();
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, gamma, beta, z, alpha]);
    });
  });
}
