// Descriptive statistics of repeated runs: what one cell of a results table is made of.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

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
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample variance (Bessel-corrected). Two-pass, so that large offsets do not eat the precision. */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) throw new RangeError(`sample variance needs at least 2 values, got ${values.length}`);
  const m = mean(values);
  let sumSq = 0;
  for (const v of values) sumSq += (v - m) * (v - m);
  return sumSq / (values.length - 1);
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
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (n === 1) return { n, mean: m, sd: null, ci95: null, min, max };
  const sd = Math.sqrt(sampleVariance(values));
  return { n, mean: m, sd, ci95: (tCritical95(n) * sd) / Math.sqrt(n), min, max };
}
