// Finite-difference checks of smooth ASH's gradients (central differences in float64 over the float32 forward).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { ashCustomGrad, ashPlainOps, type AshMathOptions } from '../../src/activations/ash-math.js';
import { asFloat32, dot64, groupStats, normals, tensorOf, valuesOf } from './reference.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const SHAPE = [2, 3, 3, 4];
const SIZE = 72;
const EPS = 1e-5;
const x64 = asFloat32(normals(SIZE, 31, 1.4, 0.3));
const upstream64 = asFloat32(normals(SIZE, 32));
const direction64 = normals(SIZE, 33);

type Impl = typeof ashCustomGrad;
const IMPLEMENTATIONS: [string, Impl][] = [
  ['custom grad', ashCustomGrad],
  ['plain ops', ashPlainOps],
];

/** Loss L = sum(upstream * y) in float64 from the float32 forward. */
function loss(f: () => tf.Tensor): number {
  return tf.tidy(() => dot64(upstream64, valuesOf(f())));
}

function analytic(impl: Impl, z: number, alpha: number, options: AshMathOptions) {
  const inputs = [tensorOf(x64, SHAPE), tf.scalar(z), tf.scalar(alpha)];
  const upstream = tensorOf(upstream64, SHAPE);
  const grads = tf.grads((x: tf.Tensor, zz: tf.Tensor, aa: tf.Tensor) => impl(x, zz, aa, options))(inputs, upstream);
  const result = { dx: valuesOf(grads[0]!), dz: grads[1]!.dataSync()[0]!, dAlpha: grads[2]!.dataSync()[0]! };
  tf.dispose([...inputs, upstream, ...grads]);
  return result;
}

function assertDerivative(fd: number, exact: number, what: string, rtol = 1e-2, atol = 2e-4): void {
  assert.ok(Math.abs(fd - exact) <= atol + rtol * Math.abs(exact), `${what}: finite difference ${fd}, gradient ${exact}`);
}

/**
 * Forward with the statistics frozen at those of the unperturbed x64 (what stopStatsGradient differentiates),
 * in float32 tfjs ops: x' * sigmoid(2 alpha (x' - threshold)).
 */
function frozenForward(xValues: Float64Array, z: number, alpha: number, stats: 'sample' | 'channel'): tf.Tensor {
  const { group, mean, std } = groupStats(x64, SHAPE, stats, EPS);
  const threshold = Float64Array.from(group, (g) => mean[g]! + z * std[g]!);
  const x = tensorOf(xValues, SHAPE);
  return tf.mul(x, tf.sigmoid(tf.mul(2 * alpha, tf.sub(x, tensorOf(threshold, SHAPE)))));
}

const h = 1e-2;
for (const [implName, impl] of IMPLEMENTATIONS) {
  for (const stats of ['sample', 'channel'] as const) {
    for (const stopStatsGradient of [false, true]) {
      const options: AshMathOptions = { stats, epsilon: EPS, stopStatsGradient };
      test(`ash gradients (${implName}, ${stats} stats, stopStatsGradient ${stopStatsGradient}) match finite differences`, () => {
        for (const [z, alpha] of [[0.3, 1.2], [-1, 2.5]] as const) {
          const grads = analytic(impl, z, alpha, options);
          const forwardAt = (xValues: Float64Array, zz: number, aa: number) =>
            stopStatsGradient ? frozenForward(xValues, zz, aa, stats) : impl(tensorOf(xValues, SHAPE), tf.scalar(zz), tf.scalar(aa), options);
          // Input: the directional derivative along a random direction (covers every component), using the
          // float32-rounded perturbed points so that the displacement is the one the forward really saw.
          const plus = asFloat32(x64.map((v, i) => v + h * direction64[i]!));
          const minus = asFloat32(x64.map((v, i) => v - h * direction64[i]!));
          const fdDirectional = loss(() => forwardAt(plus, z, alpha)) - loss(() => forwardAt(minus, z, alpha));
          const step = plus.map((v, i) => v - minus[i]!);
          assertDerivative(fdDirectional, dot64(grads.dx, step), `z=${z} a=${alpha} d/dx along a direction`);
          // And a few single components.
          for (const i of [0, 17, 40, 71]) {
            const p = Float64Array.from(x64);
            const m = Float64Array.from(x64);
            p[i] = Math.fround(x64[i]! + h);
            m[i] = Math.fround(x64[i]! - h);
            const fd = (loss(() => forwardAt(p, z, alpha)) - loss(() => forwardAt(m, z, alpha))) / (p[i]! - m[i]!);
            assertDerivative(fd, grads.dx[i]!, `z=${z} a=${alpha} dL/dx[${i}]`);
          }
          const fdZ = (loss(() => forwardAt(x64, z + h, alpha)) - loss(() => forwardAt(x64, z - h, alpha))) / (2 * h);
          assertDerivative(fdZ, grads.dz, `z=${z} a=${alpha} dL/dz`);
          const fdAlpha = (loss(() => forwardAt(x64, z, alpha + h)) - loss(() => forwardAt(x64, z, alpha - h))) / (2 * h);
          assertDerivative(fdAlpha, grads.dAlpha, `z=${z} a=${alpha} dL/dalpha`);
        }
      });
    }
  }
}

test('stopStatsGradient changes the input gradient (so the checks above tell the two apart)', () => {
  for (const stats of ['sample', 'channel'] as const) {
    const flowing = analytic(ashCustomGrad, 0.3, 1.2, { stats, epsilon: EPS, stopStatsGradient: false }).dx;
    const stopped = analytic(ashCustomGrad, 0.3, 1.2, { stats, epsilon: EPS, stopStatsGradient: true }).dx;
    const diff = Math.max(...flowing.map((v, i) => Math.abs(v - stopped[i]!)));
    assert.ok(diff > 0.05, `${stats}: largest difference ${diff}`);
  }
});

test('custom-grad and plain-ops gradients agree to float32 precision', () => {
  for (const stats of ['sample', 'channel'] as const) {
    for (const stopStatsGradient of [false, true]) {
      const options = { stats, epsilon: EPS, stopStatsGradient };
      const a = analytic(ashCustomGrad, 0.7, 1.7, options);
      const b = analytic(ashPlainOps, 0.7, 1.7, options);
      a.dx.forEach((v, i) => assert.ok(Math.abs(v - b.dx[i]!) <= 1e-5 + 1e-4 * Math.abs(v), `dx[${i}] ${v} vs ${b.dx[i]}`));
      assert.ok(Math.abs(a.dz - b.dz) <= 1e-4 * Math.max(1, Math.abs(a.dz)), `dz ${a.dz} vs ${b.dz}`);
      assert.ok(Math.abs(a.dAlpha - b.dAlpha) <= 1e-4 * Math.max(1, Math.abs(a.dAlpha)), `dAlpha ${a.dAlpha} vs ${b.dAlpha}`);
    }
  }
});

test('a constant sample has finite gradients', () => {
  const grads = tf.grads((x: tf.Tensor, z: tf.Tensor, a: tf.Tensor) =>
    ashCustomGrad(x, z, a, { stats: 'sample', epsilon: EPS, stopStatsGradient: false }),
  )([tf.fill([2, 6], 2.5), tf.scalar(1), tf.scalar(1)]);
  for (const g of grads) for (const v of g.dataSync()) assert.ok(Number.isFinite(v), `gradient ${v}`);
});
