// What an ASH layer keeps and how Gaussian its input is: hand-computed groups, the real layer's gate, and
// large Gaussian and non-Gaussian samples.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { GateStatsAccumulator, ksAgainstNormal } from '../../src/activations/ash-gate-stats.js';
import { keptFractionOfZ, normalQuantile } from '../../src/activations/normal-quantile.js';
import { ashCustomGrad } from '../../src/activations/ash-math.js';
import { statsView } from '../../src/activations/tensor-utils.js';
import { normals } from './reference.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tolerance ${tol})`);

test('k = 1 - Phi(z): Phi(-1.96) = 0.025, Phi(0) = 0.5, the inverse of the quantile', () => {
  close(keptFractionOfZ(1.959963984540054), 0.025, 1e-12, 'k(1.96)');
  close(keptFractionOfZ(0), 0.5, 0, 'k(0)');
  close(keptFractionOfZ(normalQuantile(1 - 0.3)), 0.3, 1e-12, 'k(Phi^-1(0.7))');
});

test('a hand group, shifted by a constant: the same fractions and shape, exactly', () => {
  // Sample [0, 1, 2, 3] (+ 10 in the second sample): m = 1.5, var = 1.25, s = 1.118034 (epsilon 0), z = 0.5, alpha = 1:
  // threshold m + 0.5 s = 2.059017; gates sigmoid(2 (x - t)) = 0.016016, 0.107356, 0.470526, 0.867837: mean 0.365434.
  // Hard: only 3 >= 2.059: 1/4. Skewness 0 (symmetric); m4 = (2 * 1.5^4 + 2 * 0.5^4) / 4 = 2.5625, m2^2 = 1.5625:
  // excess kurtosis 2.5625 / 1.5625 - 3 = -1.36. KS: standardised values -1.3416, -0.4472, 0.4472, 1.3416 have
  // Phi = 0.089856, 0.327360, 0.672640, 0.910144; D = max(0.5 - 0.327360, 0.672640 - 0.5) = 0.172640.
  const acc = new GateStatsAccumulator(0.5, 1, 0);
  acc.add(new Float32Array([0, 1, 2, 3, 10, 11, 12, 13]), [2, 4]);
  const s = acc.result();
  assert.equal(s.groups, 2);
  assert.equal(s.groupSize, 4);
  close(s.softKept, 0.3654336574059628, 1e-12, 'soft');
  assert.equal(s.hardKept, 0.25);
  close(s.gaussianKept, 0.3085375387259869, 1e-12, 'k');
  close(s.skewness, 0, 1e-12, 'skewness');
  close(s.excessKurtosis, -1.36, 1e-12, 'kurtosis');
  close(s.ks, 0.17264, 1e-5, 'ks');
  assert.equal(s.constantGroups, 0);
});

test('channel groups: a varying channel and a constant one, read from the [batch, n, channels] layout', () => {
  // Channel 0 is the hand group above; channel 1 is constant 5: threshold 5 + z * sqrt(0) = 5, every gate
  // sigmoid(0) = 0.5, every value >= 5 kept hard. Soft (4 * 0.365434 + 4 * 0.5) / 8; hard (1 + 4) / 8.
  const acc = new GateStatsAccumulator(0.5, 1, 0);
  acc.add(new Float32Array([0, 5, 1, 5, 2, 5, 3, 5]), [1, 4, 2]);
  const s = acc.result();
  assert.equal(s.groups, 2);
  assert.equal(s.constantGroups, 1);
  close(s.softKept, (4 * 0.3654336574059628 + 2) / 8, 1e-12, 'soft');
  assert.equal(s.hardKept, 5 / 8);
  // The shape means cover the varying channel only.
  close(s.excessKurtosis, -1.36, 1e-12, 'kurtosis');
});

test('the soft fraction is the mean of the real layer gate y / x (Eq. 10 on the cpu backend)', () => {
  const values = Float32Array.from(normals(2 * 6 * 6 * 3, 5, 1.7, 0.4), (v) => (v === 0 ? 1e-3 : v));
  const x = tf.tensor4d(values, [2, 6, 6, 3]);
  for (const stats of ['sample', 'channel'] as const) {
    const z = 0.7;
    const alpha = 1.8;
    const y = ashCustomGrad(x, tf.scalar(z), tf.scalar(alpha), { stats, epsilon: 1e-5, stopStatsGradient: false });
    const gate = tf.div(y, x).dataSync() as Float32Array;
    const expected = gate.reduce((a, b) => a + b, 0) / gate.length;
    const view = statsView(x, stats);
    const acc = new GateStatsAccumulator(z, alpha, 1e-5);
    acc.add(view.dataSync() as Float32Array, view.shape);
    close(acc.result().softKept, expected, 1e-5, `soft (${stats})`);
    assert.equal(acc.result().groups, stats === 'sample' ? 2 : 6);
  }
});

test('Gaussian pre-activations: kept fraction ~ k, no skew, no excess kurtosis, small KS', () => {
  // 8 samples of 4096 N(3, 2^2) values, z for k = 0.2, a sharp gate (alpha 100: soft ~ hard).
  // Sampling error of the kept fraction: sqrt(0.2 * 0.8 / 32768) = 0.0022; of skewness sqrt(6 / 4096) / sqrt(8)
  // = 0.0135, of kurtosis sqrt(24 / 4096) / sqrt(8) = 0.027. KS with estimated mean and sd (Lilliefors): about
  // 0.56 / sqrt(4096) = 0.009 on average; 1.36 / sqrt(n) = 0.021 is the 5% point with known parameters.
  const z = normalQuantile(0.8);
  const acc = new GateStatsAccumulator(z, 100, 1e-5);
  acc.add(Float32Array.from(normals(8 * 4096, 21, 2, 3)), [8, 4096]);
  const s = acc.result();
  close(s.hardKept, 0.2, 0.01, 'hard kept');
  close(s.softKept, 0.2, 0.01, 'soft kept');
  close(s.gaussianKept, 0.2, 1e-12, 'k');
  close(s.skewness, 0, 0.06, 'skewness');
  close(s.excessKurtosis, 0, 0.12, 'kurtosis');
  assert.ok(s.ks < 0.021, `ks ${s.ks}`);
});

test('non-Gaussian pre-activations: uniform and exponential shapes are told apart', () => {
  // Uniform(0, 1): skewness 0, excess kurtosis -1.2; the largest gap between its CDF and the normal of the same
  // mean and sd is 0.0572 (numerically, max over x of |F_U(x) - Phi((x - 0.5) * sqrt(12))|), so D ~ 0.057.
  const uniform = new Float32Array(4 * 8192);
  let seed = 12345;
  for (let i = 0; i < uniform.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    uniform[i] = seed / 2147483648;
  }
  const u = new GateStatsAccumulator(0, 1, 1e-5);
  u.add(uniform, [4, 8192]);
  close(u.result().skewness, 0, 0.05, 'uniform skewness');
  close(u.result().excessKurtosis, -1.2, 0.05, 'uniform kurtosis');
  close(u.result().ks, 0.0572, 0.01, 'uniform ks');
  // Exponential(1) = -log(U): skewness 2, excess kurtosis 6 (heavy tail: its sampling error is large).
  const e = new GateStatsAccumulator(0, 1, 1e-5);
  e.add(Float32Array.from(uniform, (v) => -Math.log(1 - v)), [4, 8192]);
  close(e.result().skewness, 2, 0.2, 'exponential skewness');
  close(e.result().excessKurtosis, 6, 2, 'exponential kurtosis');
  assert.ok(e.result().ks > 0.08, `exponential ks ${e.result().ks}`);
});

test('ksAgainstNormal matches scipy.stats.kstest on a small sample', () => {
  // scipy.stats.kstest([-1, 0.5, 2], 'norm').statistic: the gaps at each order statistic are
  // -1: 1/3 - Phi(-1) = 0.1746; 0.5: Phi(0.5) - 1/3 = 0.6915 - 0.3333 = 0.3581; 2: Phi(2) - 2/3 = 0.3106; D = 0.3581.
  close(ksAgainstNormal(new Float64Array([2, -1, 0.5]), 0, 1), 0.35813, 1e-4, 'D');
  assert.throws(() => new GateStatsAccumulator(0, 1, 0).result(), RangeError);
  assert.throws(() => new GateStatsAccumulator(0, 1, 0).add(new Float32Array(6), [2, 4]), RangeError);
});
