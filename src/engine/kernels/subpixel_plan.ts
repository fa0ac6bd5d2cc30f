// Geometry for computing a convolution's input gradient with stride-1 forward convolutions.
//
// Along one spatial axis the forward conv reads x[o*s + k*d - padBefore] for output o and filter tap k,
// so dx[h] = sum over (o, k) with o*s + k*d - padBefore = h of dy[o] * W[k]. Split h by its phase
// p = h mod s, h = p + s*i: the taps k that reach phase p are those with (p + padBefore - k*d)
// divisible by s, and they read dy[i + e] with e = (p + padBefore - k*d) / s. So each phase is a
// stride-1 correlation of dy with its own few taps of W ("sub-pixel" convolution); the phases'
// outputs, interleaved, are dx. With stride 1 there is one phase: dy correlated with W reversed.

export interface PhaseTap {
  /** Index of the tap in this phase's filter. */
  tap: number;
  /** Index of the original filter tap. */
  k: number;
}

export interface PhasePlan {
  /** Filter size of this phase along the axis; 0 when no tap reaches the phase (its dx rows are 0). */
  taps: number;
  /** Zero padding of dy before and after along the axis (never negative). */
  padBefore: number;
  padAfter: number;
  entries: PhaseTap[];
}

export interface AxisPlan {
  /** One plan per phase (as many as the forward stride). */
  phases: PhasePlan[];
  /** Dilation of every phase's filter. */
  dilation: number;
  /** Output rows of each phase's conv: ceil(inSize / stride); phases times this may exceed inSize. */
  outPerPhase: number;
}

/**
 * Plan one axis. inSize: x's size, outSize: dy's size, filterSize, stride, dilation and padBefore
 * (padInfo.top or .left) of the forward convolution.
 */
export function planAxis(
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  dilation: number,
  padBefore: number,
): AxisPlan {
  // With stride 1 the offsets e step by d; with stride > 1 (where tfjs forbids d > 1 anyway) the
  // offsets of one phase step by d / gcd(s, d), and step 1 is always valid (extra taps are zeros).
  const step = stride === 1 ? dilation : 1;
  const outPerPhase = Math.ceil(inSize / stride);
  const phases: PhasePlan[] = [];
  for (let phase = 0; phase < stride; phase++) {
    const offsets: Array<{ k: number; offset: number }> = [];
    for (let k = 0; k < filterSize; k++) {
      const num = phase + padBefore - k * dilation;
      if (mod(num, stride) === 0) offsets.push({ k, offset: num / stride });
    }
    if (offsets.length === 0) {
      phases.push({ taps: 0, padBefore: 0, padAfter: 0, entries: [] });
      continue;
    }
    let first = Math.min(...offsets.map((t) => t.offset));
    let last = Math.max(...offsets.map((t) => t.offset));
    // Padding cannot be negative: where dy has rows this phase never reads (padding larger than the
    // filter), widen the filter with zero taps instead, keeping the output at outPerPhase rows.
    if (first > 0) first -= step * Math.ceil(first / step);
    const lastNeeded = outSize - outPerPhase;
    if (last < lastNeeded) last += step * Math.ceil((lastNeeded - last) / step);
    phases.push({
      taps: (last - first) / step + 1,
      padBefore: 0 - first, // not -first, which is -0 when first is 0
      padAfter: outPerPhase - 1 + last - (outSize - 1),
      entries: offsets.map(({ k, offset }) => ({ k, tap: (offset - first) / step })),
    });
  }
  return { phases, dilation: step, outPerPhase };
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
