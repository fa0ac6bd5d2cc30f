// Welch's unequal-variance t-test: is the difference between two activations' means more than seed noise?
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { mean, sampleVariance } from './summary.js';

export interface WelchResult {
  /** (mean(a) - mean(b)) / standard error; positive when a is larger. */
  t: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  meanDiff: number;
}

/**
 * Two-sided Welch t-test of mean(a) = mean(b). Returns null when it is undefined: fewer than 2 values in
 * either sample, or both samples constant (zero standard error), where no p-value is honest.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult | null {
  if (a.length < 2 || b.length < 2) return null;
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const se2 = va + vb;
  if (se2 === 0) return null;
  const meanDiff = mean(a) - mean(b);
  const t = meanDiff / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const p = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  return { t, df, p, meanDiff };
}
