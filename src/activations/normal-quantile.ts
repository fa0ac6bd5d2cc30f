// The standard normal quantile Phi^-1(p), used to turn ASH's "keep the top k" into a z-score threshold
// (k = 2.5% -> z = 1.96). The numerics come from @stdlib; this wrapper only rejects p outside [0, 1]
// loudly instead of returning NaN.
import erfc from '@stdlib/math-base-special-erfc';
import quantile from '@stdlib/stats-base-dists-normal-quantile';

export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  return quantile(p, 0, 1);
}

/** The standard normal CDF Phi(x), through stdlib's erfc (accurate in both tails, unlike 1 - erf). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * The fraction of a Gaussian pre-activation that ASH's threshold at z standard deviations above the mean keeps:
 * k = 1 - Phi(z) = Phi(-z) (the paper's Proposition 1 / Eq. 7 read backwards).
 */
export function keptFractionOfZ(z: number): number {
  return normalCdf(-z);
}
