// Descriptive statistics of repeated runs: what one cell of a results table is made of. The arithmetic
// (compensated sums, two-pass variance, quantiles) is simple-statistics'; this module adds the rules of
// the reports: no value from too few runs, and the t interval of the mean.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import * as ss from 'simple-statistics';

export interface Summary {
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** Sample standard deviation (n - 1 in the denominator); null when n < 2, since one run says nothing about spread. */
  sd: number | null;
  /** Half-width of the 95% confidence interval of the mean, t(0.975, n-1) * sd / sqrt(n); null when n < 2. */
  ci95: number | null;
  min: number | null;
  max: number | null;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of an empty list');
  return ss.mean(values);
}

/** Sample variance (Bessel-corrected), from the deviations from the mean, so that large offsets do not eat the precision. */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) throw new RangeError(`sample variance needs at least 2 values, got ${values.length}`);
  return ss.sampleVariance(values);
}

/** The p-quantile (0 <= p <= 1) by linear interpolation between order statistics: R's type 7, numpy's default. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('quantile of an empty list');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: p must be in [0, 1], got ${p}`);
  return ss.quantile(values, p);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Two-sided 95% Student t critical value with n - 1 degrees of freedom. */
export function tCritical95(n: number): number {
  if (n < 2) throw new RangeError(`a t interval needs n >= 2, got ${n}`);
  return tQuantile(0.975, n - 1);
}

export function summarize(values: readonly number[]): Summary {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`summarize: non-finite value ${v}`);
  }
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null, min: null, max: null };
  const m = mean(values);
  const min = ss.min(values);
  const max = ss.max(values);
  if (n === 1) return { n, mean: m, sd: null, ci95: null, min, max };
  const sd = ss.sampleStandardDeviation(values);
  return { n, mean: m, sd, ci95: (tCritical95(n) * sd) / Math.sqrt(n), min, max };
}
