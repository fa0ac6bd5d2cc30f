import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kendallTauB } from '../../src/stats/kendall.js';

function close(actual: number | null, expected: number): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
}

test('identical and reversed rankings give +1 and -1', () => {
  close(kendallTauB([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), 1);
  close(kendallTauB([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), -1);
});

test('hand-counted: 7 concordant, 3 discordant of 10 pairs -> 0.4', () => {
  // x = 1..5, y = 3,1,2,5,4. Discordant pairs: (1,2), (1,3), (4,5); so (7 - 3) / 10. SciPy kendalltau: 0.4.
  close(kendallTauB([1, 2, 3, 4, 5], [3, 1, 2, 5, 4]), 0.4);
});

test('ties: tau-b, hand-counted and equal to SciPy', () => {
  // x = 1,2,2,3; y = 1,2,3,3. Concordant 4, discordant 0, one pair tied only in x, one only in y:
  // tau-b = 4 / sqrt((4 + 1) * (4 + 1)) = 0.8. SciPy kendalltau(variant='b'): 0.7999999999999999.
  close(kendallTauB([1, 2, 2, 3], [1, 2, 3, 3]), 0.8);
});

test('paper-like column with ties matches SciPy', () => {
  // SciPy 1.17.1 stats.kendalltau(x, y, variant='b').statistic = 0.816982446237566
  const paper = [94.4, 94.5, 94.7, 94.3, 93.5, 94.5, 95.2, 95.5, 95.7];
  const ours = [90.1, 90.3, 90.2, 89.9, 89.5, 90.4, 90.8, 90.6, 91.0];
  const tau = kendallTauB(ours, paper);
  assert.ok(tau !== null && Math.abs(tau - 0.816982446237566) < 1e-12);
});

test('undefined cases give null; mismatched lengths throw', () => {
  assert.equal(kendallTauB([1], [2]), null);
  assert.equal(kendallTauB([1, 1, 1], [1, 2, 3]), null);
  assert.throws(() => kendallTauB([1, 2], [1]), /differ in length/);
});
