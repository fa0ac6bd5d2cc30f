// The standard normal quantile Phi^-1(p), used to turn ASH's "keep the top k" into a z-score threshold
// (k = 2.5% -> z = 1.96). The numerics come from @stdlib; this wrapper only rejects p outside [0, 1]
// loudly instead of returning NaN.
import quantile from '@stdlib/stats-base-dists-normal-quantile';

export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  return quantile(p, 0, 1);
}
