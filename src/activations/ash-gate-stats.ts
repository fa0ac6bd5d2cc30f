// What an ASH layer does to the activations it sees, measured: the fraction it keeps (the soft gate's mean and
// the hard fraction above the threshold) against the k = 1 - Phi(z) that Proposition 1 promises for Gaussian
// pre-activations, and how Gaussian those pre-activations are (skewness, excess kurtosis, Kolmogorov-Smirnov
// distance to the normal with the group's own mean and std). Plain float64 arithmetic over the group values,
// group by group as the layer takes its statistics (ash-math.ts groupMoments), so each number can be checked
// by hand.
import { keptFractionOfZ, normalCdf } from './normal-quantile.js';

export interface GateStats {
  /** Statistics groups seen (samples, or sample-channels with stats 'channel') and their size. */
  groups: number;
  groupSize: number;
  /** Mean over all elements of sigmoid(2 alpha (x - m - z s)): what the smooth gate passes. */
  softKept: number;
  /** Fraction of elements with x >= m + z s: what the hard ASH (Eq. 2) keeps. */
  hardKept: number;
  /** k = 1 - Phi(z): the fraction kept if the group's values were Gaussian. */
  gaussianKept: number;
  /** Means over groups of the group's (population) skewness, excess kurtosis and KS statistic vs its normal. */
  skewness: number;
  excessKurtosis: number;
  ks: number;
  /** Groups whose values are all equal: they have no shape, so they are left out of the three means above. */
  constantGroups: number;
}

/**
 * Sums over groups, added to batch by batch so that a layer's inputs for many images never need to be held at
 * once. `values` is the layer input in its statistics view: [batch, n] (per-sample statistics) or
 * [batch, n, channels] (per-channel), row-major, as statsView lays it out.
 */
export class GateStatsAccumulator {
  private groups = 0;
  private groupSize = 0;
  private elements = 0;
  private soft = 0;
  private hard = 0;
  private shaped = 0;
  private constant = 0;
  private skew = 0;
  private kurt = 0;
  private ksSum = 0;

  constructor(
    readonly z: number,
    readonly alpha: number,
    readonly epsilon: number,
  ) {}

  add(values: Float32Array | Float64Array, shape: readonly number[]): void {
    const [batch, n, channels = 1] = shape as [number, number, number?];
    if (shape.length < 2 || shape.length > 3 || batch * n * channels !== values.length) {
      throw new RangeError(`GateStatsAccumulator: shape [${shape.join(', ')}] does not describe ${values.length} values`);
    }
    if (this.groupSize !== 0 && this.groupSize !== n) throw new RangeError(`GateStatsAccumulator: group size ${n} after ${this.groupSize}`);
    this.groupSize = n;
    const group = new Float64Array(n);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < channels; c++) {
        for (let i = 0; i < n; i++) group[i] = values[(b * n + i) * channels + c]!;
        this.addGroup(group);
      }
    }
  }

  private addGroup(v: Float64Array): void {
    const n = v.length;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += v[i]!;
    const mean = sum / n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      const d = v[i]! - mean;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    // The layer's threshold: population std with epsilon inside the root (ash-math.ts groupMoments).
    const threshold = mean + this.z * Math.sqrt(m2 + this.epsilon);
    const twoAlpha = 2 * this.alpha;
    for (let i = 0; i < n; i++) {
      this.soft += 1 / (1 + Math.exp(-twoAlpha * (v[i]! - threshold)));
      if (v[i]! >= threshold) this.hard++;
    }
    this.elements += n;
    this.groups++;
    if (m2 === 0) {
      this.constant++;
      return;
    }
    this.shaped++;
    this.skew += m3 / m2 ** 1.5;
    this.kurt += m4 / (m2 * m2) - 3;
    this.ksSum += ksAgainstNormal(v, mean, Math.sqrt(m2));
  }

  result(): GateStats {
    if (this.groups === 0) throw new RangeError('GateStatsAccumulator: no values added');
    const shaped = this.shaped === 0 ? NaN : this.shaped;
    return {
      groups: this.groups,
      groupSize: this.groupSize,
      softKept: this.soft / this.elements,
      hardKept: this.hard / this.elements,
      gaussianKept: keptFractionOfZ(this.z),
      skewness: this.skew / shaped,
      excessKurtosis: this.kurt / shaped,
      ks: this.ksSum / shaped,
      constantGroups: this.constant,
    };
  }
}

/**
 * The Kolmogorov-Smirnov statistic sup |F_n(x) - Phi((x - mean) / sd)| of the values (sorted in place):
 * at each order statistic the larger of i/n - Phi and Phi - (i-1)/n (scipy.stats.kstest's D).
 */
export function ksAgainstNormal(values: Float64Array, mean: number, sd: number): number {
  values.sort();
  const n = values.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const cdf = normalCdf((values[i]! - mean) / sd);
    d = Math.max(d, (i + 1) / n - cdf, cdf - i / n);
  }
  return d;
}
