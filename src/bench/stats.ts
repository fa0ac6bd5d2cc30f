// Small timing helpers shared by the bench parts. The wasm and cpu backends run kernels synchronously, so
// the clock stops when the last kernel returns; results are not read back unless a part says so.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
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
