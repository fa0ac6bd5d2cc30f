// Small timing helpers shared by the bench parts. The wasm and cpu backends run kernels synchronously, so
// the clock stops when the last kernel returns; results are not read back unless a part says so.

import { median as medianOf } from '../stats/summary.js';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  return medianOf(xs);
}

/**
 * Median milliseconds of each case over `rounds` rounds after one warm-up round. Rounds interleave the
 * cases, so load from other processes on a shared machine spreads over all of them alike.
 */
export function interleavedMedians(cases: readonly (() => number)[], rounds: number): number[] {
  const samples = cases.map(() => [] as number[]);
  for (let round = -1; round < rounds; round++) {
    cases.forEach((run, i) => {
      const ms = run();
      if (round >= 0) samples[i]!.push(ms);
    });
  }
  return samples.map(median);
}
