// How many seeds a comparison needs: the power of a two-sided two-sample t-test (Welch's, unequal
// variances) through the noncentral t distribution, and the smallest per-group sample size that reaches a
// target power. Used to say whether a sweep could have detected the gap a paper claims.
//
// The noncentral t CDF is Lenth's Algorithm AS 243 (Appl. Statist. 38, 1989), in the form of R's nmath
// pnt.c (Guenther's twin series, the A&S 26.7.10 normal approximation for huge df or noncentrality).
// No npm package provides it (@stdlib has no noncentral t; checked with `npm view`), so it is here; its
// special functions are stdlib's (the regularized incomplete beta, log-gamma and erfc behind the central
// t CDF the reports already use).
import betainc from '@stdlib/math-base-special-betainc';
import gammaln from '@stdlib/math-base-special-gammaln';
import erfc from '@stdlib/math-base-special-erfc';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const LN_SQRT_PI = 0.5 * Math.log(Math.PI);
/** Beyond this noncentrality exp(-del^2 / 2) underflows (R: 2 * ln 2 * -DBL_MIN_EXP). */
const MAX_DEL_SQUARED = 2 * Math.LN2 * 1021;

function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** P(T <= t) for T noncentral t with `df` degrees of freedom (df > 0, may be fractional) and noncentrality `ncp`. */
export function noncentralTCdf(t: number, df: number, ncp: number): number {
  if (!(df > 0) || Number.isNaN(t) || Number.isNaN(ncp)) return NaN;
  if (ncp === 0) return tCdf(t, df);
  if (!Number.isFinite(t)) return t < 0 ? 0 : 1;
  // F(t; ncp) = 1 - F(-t; -ncp) (since -T is noncentral t with -ncp): work with t >= 0.
  const negdel = t < 0;
  if (negdel && ncp > 40) return 0; // F(t) <= F(0) = Phi(-ncp) < 1e-300
  const tt = negdel ? -t : t;
  const del = negdel ? -ncp : ncp;
  const lower = (p: number) => (negdel ? 1 - p : p);

  if (df > 4e5 || del * del > MAX_DEL_SQUARED) {
    // Abramowitz & Stegun 26.7.10: T (1 - 1/(4 df)) is about normal(del, 1 + T^2 / (2 df)).
    const s = 1 / (4 * df);
    return lower(normalCdf((tt * (1 - s) - del) / Math.sqrt(1 + tt * tt * 2 * s)));
  }

  let tnc = 0;
  const x = (t * t) / (t * t + df); // in [0, 1)
  if (x > 0) {
    const lambda = del * del;
    let p = 0.5 * Math.exp(-0.5 * lambda);
    if (p === 0) return lower(0);
    let q = SQRT_2_OVER_PI * p * del;
    let s = 0.5 - p;
    if (s < 1e-7) s = -0.5 * Math.expm1(-0.5 * lambda);
    let a = 0.5;
    const b = 0.5 * df;
    const rxb = (df / (t * t + df)) ** b; // (1 - x)^b without the underflow of computing 1 - x first
    const albeta = LN_SQRT_PI + gammaln(b) - gammaln(0.5 + b);
    let xodd = betainc(x, a, b, true, false);
    let godd = 2 * rxb * Math.exp(a * Math.log(x) - albeta);
    const bx = b * x;
    let xeven = bx < Number.EPSILON ? bx : 1 - rxb;
    let geven = bx * rxb;
    tnc = p * xodd + q * xeven;
    for (let it = 1; it <= 1000; it++) {
      a += 1;
      xodd -= godd;
      xeven -= geven;
      godd *= (x * (a + b - 1)) / a;
      geven *= (x * (a + b - 0.5)) / (a + 0.5);
      p *= lambda / (2 * it);
      q *= lambda / (2 * it + 1);
      tnc += p * xodd + q * xeven;
      s -= p;
      if (s < -1e-10) break; // rounding: the Poisson weights are used up (R warns and stops here too)
      if (s <= 0 && it > 1) break;
      if (Math.abs(2 * s * (xodd - godd)) < 1e-12) break; // Lenth's error bound
    }
  }
  tnc += normalCdf(-del);
  return lower(Math.min(tnc, 1));
}

export interface PowerQuestion {
  /** The difference of means to detect (absolute; the sign does not matter for a two-sided test). */
  delta: number;
  /** Standard deviations of the two groups (sample sds of the runs, e.g. over seeds). */
  sd1: number;
  sd2: number;
  /** Two-sided significance level; default 0.05. */
  alpha?: number;
}

export interface PowerResult {
  power: number;
  /** Welch-Satterthwaite degrees of freedom and the noncentrality delta / se used. */
  df: number;
  ncp: number;
}

/**
 * Power of the two-sided Welch t-test with n1 and n2 runs per group: P(|T| > t_{1-alpha/2, df}) for T
 * noncentral t(df, delta / sqrt(sd1^2/n1 + sd2^2/n2)), df the Welch-Satterthwaite value. With equal sds and
 * equal n this is exactly the pooled two-sample t-test (df = 2n - 2, Cohen 1988's tables); with unequal sds
 * it is the usual noncentral-t approximation (Welch's statistic is not exactly noncentral t).
 */
export function achievedPower(question: PowerQuestion & { n1: number; n2?: number }): PowerResult {
  const { delta, sd1, sd2 } = question;
  const alpha = question.alpha ?? 0.05;
  const n1 = question.n1;
  const n2 = question.n2 ?? n1;
  checkQuestion({ delta, sd1, sd2, alpha });
  if (!(Number.isInteger(n1) && Number.isInteger(n2) && n1 >= 2 && n2 >= 2)) {
    throw new RangeError(`achievedPower: n1 and n2 must be integers >= 2, got ${n1} and ${n2}`);
  }
  const v1 = (sd1 * sd1) / n1;
  const v2 = (sd2 * sd2) / n2;
  const se2 = v1 + v2;
  if (se2 === 0) {
    // No spread at all: any nonzero difference is certain, none is never "detected" beyond alpha.
    return { power: delta === 0 ? alpha : 1, df: n1 + n2 - 2, ncp: delta === 0 ? 0 : Infinity };
  }
  // Welch-Satterthwaite; a group with sd 0 contributes no variance and no degrees of freedom.
  const df = (se2 * se2) / ((v1 > 0 ? (v1 * v1) / (n1 - 1) : 0) + (v2 > 0 ? (v2 * v2) / (n2 - 1) : 0));
  const ncp = Math.abs(delta) / Math.sqrt(se2);
  const critical = tQuantile(1 - alpha / 2, df);
  const power = 1 - noncentralTCdf(critical, df, ncp) + noncentralTCdf(-critical, df, ncp);
  return { power: Math.min(1, Math.max(0, power)), df, ncp };
}

function checkQuestion({ delta, sd1, sd2, alpha }: Required<PowerQuestion>): void {
  if (!Number.isFinite(delta)) throw new RangeError(`power: delta must be a finite number, got ${delta}`);
  if (!(sd1 >= 0 && sd2 >= 0 && Number.isFinite(sd1) && Number.isFinite(sd2))) {
    throw new RangeError(`power: sd1 and sd2 must be finite and >= 0, got ${sd1} and ${sd2}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`power: alpha must be in (0, 1), got ${alpha}`);
}

/** Largest per-group sample size seedsNeeded searches; beyond it the answer is "more than this". */
export const MAX_SEEDS = 100_000;

/**
 * The smallest number of runs per group (n1 = n2 = n >= 2) at which the two-sided Welch t-test at level
 * `alpha` detects `delta` with at least `power` (default 0.8). null when no n up to MAX_SEEDS does (delta 0,
 * or a gap far below the spread).
 */
export function seedsNeeded(question: PowerQuestion & { power?: number }): number | null {
  const target = question.power ?? 0.8;
  const alpha = question.alpha ?? 0.05;
  if (!(target > 0 && target < 1)) throw new RangeError(`seedsNeeded: power must be in (0, 1), got ${target}`);
  checkQuestion({ delta: question.delta, sd1: question.sd1, sd2: question.sd2, alpha });
  const reaches = (n: number) => achievedPower({ ...question, alpha, n1: n }).power >= target;
  if (question.delta === 0 || !reaches(MAX_SEEDS)) return null;
  // Power grows with n: double until reached, then bisect for the first n that reaches it.
  let hi = 2;
  while (!reaches(hi)) hi *= 2;
  if (hi === 2) return 2;
  // invariant: !reaches(lo), reaches(hi)
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (reaches(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
