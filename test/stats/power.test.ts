import { test } from 'node:test';
import assert from 'node:assert/strict';
import { achievedPower, noncentralTCdf, seedsNeeded } from '../../src/stats/power.js';

// Reference numbers: SciPy 1.17.1, printed by `python3 test/fixtures/power-scipy.py` (scipy.stats.nct,
// scipy.stats.t.ppf; Boost's noncentral t, an implementation independent of AS 243).
function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} != ${expected} (tol ${tol})`);
}

test('noncentral t CDF agrees with SciPy nct.cdf to 1e-11', () => {
  const cases: [number, number, number, number][] = [
    [2, 10, 1, 0.8076115625303752],
    [-1, 5, 0.5, 0.08244409105672337], // t < 0: the reflected series
    [3, 30, 2.5, 0.6709221372818337],
    [1.5, 3.7, -1, 0.9841972960989079], // fractional df, negative noncentrality
    [5, 60, 4, 0.8135084701510231],
    [0.5, 2, 3, 0.00648648688160516],
    [10, 8, 9, 0.5892129653913103], // many series terms (lambda = 81)
  ];
  for (const [t, df, ncp, want] of cases) close(noncentralTCdf(t, df, ncp), want, 1e-11, `nct.cdf(${t}, ${df}, ${ncp})`);
  // ncp = 0 is the central t; t = +-Infinity the limits.
  close(noncentralTCdf(0, 7, 0), 0.5, 1e-15, 'central at 0');
  assert.equal(noncentralTCdf(Infinity, 7, 2), 1);
  assert.equal(noncentralTCdf(-Infinity, 7, 2), 0);
});

test('Cohen (1988) Table 2.4.1: n per group for d = 0.5, 0.8, 1.0 at power 0.8, alpha 0.05 two-sided', () => {
  // Cohen's table: 64, 26, 17. SciPy: power at n = 64, 26, 17 is 0.80146, 0.80749, 0.80704 and at n - 1
  // it is 0.79517, 0.79145, 0.78140 (below 0.8), so these are the smallest n.
  const rows: [number, number, number, number][] = [
    [0.5, 64, 0.8014595579222542, 0.795168338123338],
    [0.8, 26, 0.8074866151465276, 0.7914512899851561],
    [1.0, 17, 0.8070367151472198, 0.7813977924664226],
  ];
  for (const [d, n, atN, below] of rows) {
    assert.equal(seedsNeeded({ delta: d, sd1: 1, sd2: 1, alpha: 0.05, power: 0.8 }), n, `d = ${d}`);
    const at = achievedPower({ delta: d, sd1: 1, sd2: 1, n1: n });
    close(at.power, atN, 1e-10, `power d=${d} n=${n}`);
    assert.equal(at.df, 2 * n - 2); // equal sds and n: the pooled test's df
    close(achievedPower({ delta: d, sd1: 1, sd2: 1, n1: n - 1 }).power, below, 1e-10, `power d=${d} n=${n - 1}`);
  }
});

test('Welch with unequal sds and unequal groups agrees with SciPy', () => {
  // delta 0.3, sds 0.1 / 0.25: se^2 = (0.01 + 0.0625)/n; df = 0.0725^2 (n-1) / (0.01^2 + 0.0625^2) = 1.31201 (n-1)
  assert.equal(seedsNeeded({ delta: 0.3, sd1: 0.1, sd2: 0.25 }), 8);
  close(achievedPower({ delta: 0.3, sd1: 0.1, sd2: 0.25, n1: 8 }).power, 0.8024020993952564, 1e-10, 'n=8');
  close(achievedPower({ delta: 0.3, sd1: 0.1, sd2: 0.25, n1: 7 }).power, 0.7314531577475314, 1e-10, 'n=7');
  const w = achievedPower({ delta: 0.3, sd1: 0.1, sd2: 0.25, n1: 8 });
  close(w.df, (0.0725 * 0.0725 * 7) / (0.01 * 0.01 + 0.0625 * 0.0625), 1e-12, 'Welch df');
  close(w.ncp, 0.3 / Math.sqrt(0.0725 / 8), 1e-12, 'ncp');
  assert.equal(seedsNeeded({ delta: 0.2, sd1: 0.15, sd2: 0.15 }), 10);
  assert.equal(seedsNeeded({ delta: -1.0, sd1: 0.4, sd2: 0.9 }), 10); // the sign of the gap does not matter
  close(achievedPower({ delta: 0.3, sd1: 0.2, sd2: 0.3, n1: 5 }).power, 0.3622056152615609, 1e-10, 'five seeds');
  close(achievedPower({ delta: 0.3, sd1: 0.2, sd2: 0.3, n1: 3, n2: 7 }).power, 0.3435940558425073, 1e-10, '3 vs 7 runs');
});

test('edge cases: no gap, no spread, bad input', () => {
  assert.equal(seedsNeeded({ delta: 0, sd1: 1, sd2: 1 }), null);
  assert.equal(seedsNeeded({ delta: 0.001, sd1: 1, sd2: 1 }), null); // needs ~16 million per group
  assert.equal(achievedPower({ delta: 0.5, sd1: 0, sd2: 0, n1: 2 }).power, 1);
  assert.equal(seedsNeeded({ delta: 0.5, sd1: 0, sd2: 0 }), 2);
  assert.throws(() => achievedPower({ delta: 1, sd1: 1, sd2: 1, n1: 1 }), /n1 and n2/);
  assert.throws(() => seedsNeeded({ delta: 1, sd1: -1, sd2: 1 }), /sd1 and sd2/);
  assert.throws(() => seedsNeeded({ delta: 1, sd1: 1, sd2: 1, power: 1 }), /power/);
});
