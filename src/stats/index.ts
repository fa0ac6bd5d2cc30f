// Statistics used by the reports: per-cell summaries, significance of differences, rank agreement.
export { summarize, mean, median, quantile, sampleVariance, tCritical95 } from './summary.js';
export type { Summary } from './summary.js';
export { welchTTest } from './welch.js';
export type { WelchResult } from './welch.js';
export { kendallTauB } from './kendall.js';
export { achievedPower, noncentralTCdf, seedsNeeded, MAX_SEEDS } from './power.js';
export type { PowerQuestion, PowerResult } from './power.js';
