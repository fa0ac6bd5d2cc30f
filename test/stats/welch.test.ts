import { test } from 'node:test';
import assert from 'node:assert/strict';
import { welchTTest } from '../../src/stats/welch.js';

// Reference numbers: SciPy 1.17.1, stats.ttest_ind(a, b, equal_var=False) -> statistic, pvalue, df.
function close(actual: number, expected: number, tol: number): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} != ${expected}`);
}

test('hand-checked: equal variances, t = 0.3333/sqrt(0.0233/3 + 0.0233/3) = sqrt(10)', () => {
  // a: mean 95.7333, var 0.023333; b: mean 95.4, var 0.01; se^2 = (0.023333 + 0.01)/3 = 0.011111; t = 0.3333/0.10541
  const r = welchTTest([95.7, 95.9, 95.6], [95.5, 95.3, 95.4]);
  assert.ok(r);
  close(r.t, 3.1622776601682445, 1e-9);
  close(r.df, 3.448275862068925, 1e-9);
  close(r.p, 0.041914517471459564, 1e-9);
  close(r.meanDiff, 1 / 3, 1e-12);
});

test('unequal sizes and variances match SciPy', () => {
  const r = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12]);
  assert.ok(r);
  close(r.t, -2.3763541031440183, 1e-9);
  close(r.df, 6.972255729794934, 1e-9);
  close(r.p, 0.04928433820673053, 1e-9);
});

test('small df (n = 2) matches SciPy', () => {
  const r = welchTTest([10.0, 10.5], [9.0, 9.2, 9.1, 9.3]);
  assert.ok(r);
  close(r.t, 4.260281680828164, 1e-9);
  close(r.df, 1.1360946745562135, 1e-9);
  close(r.p, 0.12375409728119832, 1e-8);
});

test('symmetric: swapping the samples flips t, keeps p', () => {
  const ab = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12])!;
  const ba = welchTTest([2, 4, 6, 8, 10, 12], [1, 2, 3, 4, 5])!;
  close(ab.t, -ba.t, 1e-12);
  close(ab.p, ba.p, 1e-12);
});

test('undefined cases give null: n < 2, or both samples constant', () => {
  assert.equal(welchTTest([1], [1, 2]), null);
  assert.equal(welchTTest([1, 1, 1], [2, 2]), null);
});
