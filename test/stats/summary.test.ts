import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, quantile, summarize, tCritical95 } from '../../src/stats/summary.js';

// Reference numbers computed with Python 3 + SciPy 1.17.1:
//   a = np.array(xs); a.mean(); a.std(ddof=1); stats.t.ppf(0.975, n-1) * a.std(ddof=1) / np.sqrt(n)
function close(actual: number | null, expected: number, tol = 1e-12): void {
  assert.ok(actual !== null, `expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);
}

test('n = 1: mean only, sd and CI missing (not 0)', () => {
  const s = summarize([93.1]);
  assert.deepEqual(s, { n: 1, mean: 93.1, sd: null, ci95: null, min: 93.1, max: 93.1 });
});

test('n = 0: everything missing', () => {
  assert.deepEqual(summarize([]), { n: 0, mean: null, sd: null, ci95: null, min: null, max: null });
});

test('n = 2 matches SciPy', () => {
  const s = summarize([93.1, 93.5]);
  close(s.mean, 93.3);
  close(s.sd, 0.28284271247462306);
  close(s.ci95, 2.541240947234975, 1e-10);
  assert.equal(s.min, 93.1);
  assert.equal(s.max, 93.5);
});

test('n = 2 by hand: sd = |a-b|/sqrt(2), CI = t(0.975,1) * |a-b| / 2', () => {
  const s = summarize([1, 3]);
  close(s.sd, Math.SQRT2);
  close(s.ci95, 12.706204736174694, 1e-10); // 12.7062 * sqrt(2) / sqrt(2)
});

test('n = 3 matches SciPy', () => {
  const s = summarize([93.1, 93.5, 92.8]);
  close(s.mean, 93.13333333333333);
  close(s.sd, 0.3511884584284262, 1e-10);
  close(s.ci95, 0.8724004935135166, 1e-10);
  assert.equal(s.min, 92.8);
  assert.equal(s.max, 93.5);
});

test('n = 5 matches SciPy', () => {
  const s = summarize([0.9412, 0.9388, 0.9431, 0.9405, 0.9397]);
  close(s.mean, 0.94066);
  close(s.sd, 0.001631870092868948, 1e-9);
  close(s.ci95, 0.002026234344060806, 1e-9);
});

test('t critical values match SciPy stats.t.ppf(0.975, df)', () => {
  close(tCritical95(2), 12.706204736174694, 1e-10);
  close(tCritical95(3), 4.302652729749462, 1e-10);
  close(tCritical95(5), 2.7764451051977934, 1e-10);
  assert.throws(() => tCritical95(1), /n >= 2/);
});

test('non-finite values are rejected, not averaged', () => {
  assert.throws(() => summarize([1, Number.NaN]), /non-finite/);
});

test('quantile: linear interpolation between order statistics (R type 7, numpy default)', () => {
  // sorted [3, 6, 7, 8, 8, 9, 10, 13, 15, 16, 20]: p = 0.25 -> index 10 x 0.25 = 2.5 -> 7 + 0.5 x (8 - 7) = 7.5
  const xs = [20, 3, 6, 16, 7, 8, 15, 8, 9, 13, 10];
  close(quantile(xs, 0.25), 7.5);
  // p = 0.5 -> index 5 -> 9; p = 0.9 -> index 9 -> 16; the ends are the extremes
  close(quantile(xs, 0.5), 9);
  close(quantile(xs, 0.9), 16);
  close(quantile(xs, 0), 3);
  close(quantile(xs, 1), 20);
  // an even count: the median is the mean of the middle two
  close(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => quantile([], 0.5), /empty/);
  assert.throws(() => quantile([1], 1.5), /\[0, 1\]/);
});

test('mean and variance keep their precision on a large offset', () => {
  // 1e9 + [1, 2, 3]: mean 1e9 + 2, sample variance 1 (a one-pass sum of squares loses it)
  const s = summarize([1e9 + 1, 1e9 + 2, 1e9 + 3]);
  close(s.mean, 1e9 + 2);
  close(s.sd, 1);
});
