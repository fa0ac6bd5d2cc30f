// Baseline activations against their formulas in float64, and their gradients against finite differences.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { createActivation } from '../../src/activations/registry.js';
import type { ActivationSpec } from '../../src/contract/spec.js';
import { asFloat32, assertClose, dot64, normals, sigmoid64, tensorOf, tidyValues, valuesOf } from './reference.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const SHAPE = [2, 3, 4, 5];
const SIZE = 120;
// Wide inputs (std 3, so both tails are exercised), kept 0.1 away from the kink at 0.
const x64 = asFloat32(normals(SIZE, 51, 3).map((v) => v + Math.sign(v) * 0.1));

/** erf in float64: Maclaurin series for |x| <= 4 (error < 1e-9 after cancellation), asymptotic erfc beyond. */
function erf64(x: number): number {
  const a = Math.abs(x);
  if (a > 4) {
    const erfc = (Math.exp(-a * a) / (a * Math.sqrt(Math.PI))) * (1 - 1 / (2 * a * a) + 3 / (4 * a ** 4));
    return Math.sign(x) * (1 - erfc);
  }
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const softplus64 = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

const FORMULAS: [ActivationSpec, (v: number, channel: number) => number][] = [
  [{ name: 'relu' }, (v) => Math.max(v, 0)],
  [{ name: 'lrelu' }, (v) => (v > 0 ? v : 0.01 * v)],
  [{ name: 'lrelu', slope: 0.2 }, (v) => (v > 0 ? v : 0.2 * v)],
  [{ name: 'prelu' }, (v) => (v > 0 ? v : 0.25 * v)],
  [{ name: 'softplus' }, softplus64],
  [{ name: 'elu' }, (v) => (v > 0 ? v : Math.expm1(v))],
  [{ name: 'selu' }, (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v))],
  [{ name: 'gelu' }, (v) => 0.5 * v * (1 + erf64(v / Math.SQRT2))],
  [{ name: 'gelu', approximate: 'tanh' }, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
  [{ name: 'swish' }, (v) => v * sigmoid64(v)],
  [{ name: 'swish', beta: 1.7 }, (v) => v * sigmoid64(1.7 * v)],
  [{ name: 'mish' }, (v) => v * Math.tanh(softplus64(v))],
];

test('baselines match their float64 formulas', () => {
  for (const [spec, formula] of FORMULAS) {
    const y = valuesOf(createActivation(spec).apply(tensorOf(x64, SHAPE)) as tf.Tensor);
    const expected = x64.map((v, i) => formula(v, i % 5));
    // tfjs's erf is Abramowitz-Stegun 7.1.26 (error 1.5e-7), hence the absolute tolerance.
    assertClose(y, expected, 2e-6, 1e-6, JSON.stringify(spec));
  }
});

test('selu keeps its self-normalising fixed point: mean 0, variance 1 in, about the same out', () => {
  const y = valuesOf(createActivation({ name: 'selu' }).apply(tensorOf(normals(200000, 52), [200000])) as tf.Tensor);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 1) < 0.02, `mean ${mean}, variance ${variance}`);
});

test('gelu exact and tanh forms differ by less than 1e-3 but are not the same function', () => {
  const x = tensorOf(x64, SHAPE);
  const exact = valuesOf(createActivation({ name: 'gelu' }).apply(x) as tf.Tensor);
  const approx = valuesOf(createActivation({ name: 'gelu', approximate: 'tanh' }).apply(x) as tf.Tensor);
  const diffs = exact.map((v, i) => Math.abs(v - approx[i]!));
  assert.ok(Math.max(...diffs) < 1e-3);
  assert.ok(Math.max(...diffs) > 1e-5);
});

const upstream64 = asFloat32(normals(SIZE, 53));
const loss = (y: tf.Tensor): number => dot64(upstream64, valuesOf(y));
const h = 1e-3;

test('every baseline input gradient matches central differences', () => {
  for (const [spec] of FORMULAS) {
    const layer = createActivation(spec);
    const forward = (values: Float64Array) => tf.tidy(() => loss(layer.apply(tensorOf(values, SHAPE)) as tf.Tensor));
    const [dx] = tidyValues(() => [tf.grad((x: tf.Tensor) => layer.apply(x) as tf.Tensor)(tensorOf(x64, SHAPE), tensorOf(upstream64, SHAPE))]);
    for (let i = 0; i < SIZE; i += 7) {
      const p = Float64Array.from(x64);
      const m = Float64Array.from(x64);
      p[i] = Math.fround(x64[i]! + h);
      m[i] = Math.fround(x64[i]! - h);
      const fd = (forward(p) - forward(m)) / (p[i]! - m[i]!);
      assert.ok(Math.abs(fd - dx![i]!) <= 3e-3 + 1e-2 * Math.abs(dx![i]!), `${JSON.stringify(spec)} dL/dx[${i}] (x=${x64[i]}): fd ${fd}, grad ${dx![i]}`);
    }
  }
});

/** d loss / d (the layer's one trainable weight), analytically and by central differences on that weight. */
function checkWeightGradient(spec: ActivationSpec, values: number[]): void {
  const layer = createActivation(spec);
  const x = tensorOf(x64, SHAPE);
  layer.apply(x);
  const weight = layer.trainableWeights[0]!;
  const variable = weight.read() as tf.Variable;
  variable.assign(tf.tensor(values, weight.shape as number[]));
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tensorOf(upstream64, SHAPE))) as tf.Scalar, [variable]);
  const analytic = Array.from(grads[variable.name]!.dataSync());
  assert.equal(analytic.length, values.length);
  values.forEach((v, j) => {
    const at = (delta: number) => {
      const shifted = [...values];
      shifted[j] = v + delta;
      variable.assign(tf.tensor(shifted, weight.shape as number[]));
      return tf.tidy(() => loss(layer.apply(x) as tf.Tensor));
    };
    const fd = (at(1e-2) - at(-1e-2)) / 2e-2;
    assert.ok(Math.abs(fd - analytic[j]!) <= 2e-3 + 1e-2 * Math.abs(analytic[j]!), `${spec.name} weight[${j}]: fd ${fd}, grad ${analytic[j]}`);
  });
  variable.assign(tf.tensor(values, weight.shape as number[]));
}

test('prelu slope gradients (per channel and shared) match central differences', () => {
  checkWeightGradient({ name: 'prelu' }, [0.25, -0.1, 0.5, 0.9, 0.05]);
  checkWeightGradient({ name: 'prelu', perChannel: false }, [0.3]);
});

test('swish beta gradient matches central differences', () => {
  checkWeightGradient({ name: 'swish', beta: 1.3, trainBeta: true }, [1.3]);
  checkWeightGradient({ name: 'swish', beta: 0.4, trainBeta: true }, [0.4]);
});

test('prelu uses one slope per channel: changing one channel slope changes only that channel', () => {
  const layer = createActivation({ name: 'prelu' });
  const x = tensorOf(x64, SHAPE);
  layer.apply(x);
  layer.setWeights([tf.tensor1d([0.25, 0.25, 0.9, 0.25, 0.25])]);
  const y = valuesOf(layer.apply(x) as tf.Tensor);
  x64.forEach((v, i) => {
    const slope = i % 5 === 2 ? 0.9 : 0.25;
    assert.ok(Math.abs(y[i]! - (v > 0 ? v : slope * v)) < 1e-5);
  });
});
