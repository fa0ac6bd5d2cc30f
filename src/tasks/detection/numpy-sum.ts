// Sums and means computed the way numpy computes them, so that a mean AP agrees with the Python references
// to the last bit rather than to 1e-16: np.sum / np.mean on a contiguous float64 array use pairwise
// summation (numpy/_core/src/umath/loops_utils.h.src, pairwise_sum_DOUBLE: below 8 values a plain loop,
// up to 128 values eight interleaved accumulators, above that the halves split on a multiple of 8),
// added to the reduction's initial value 0. Checked against numpy 2.4 for lengths 1..80800.

const BLOCK = 128;

function pairwise(values: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += values[start + i]!;
    return res;
  }
  if (n <= BLOCK) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => values[start + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = r[j]! + values[start + i + j]!;
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += values[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(values, start, n2) + pairwise(values, start + n2, n - n2);
}

/** np.sum(values) for a 1-D float64 array. */
export function numpySum(values: ArrayLike<number>): number {
  return 0 + pairwise(values, 0, values.length);
}

/** np.mean(values): the pairwise sum divided by the count (NaN for no values, as numpy gives). */
export function numpyMean(values: ArrayLike<number>): number {
  return numpySum(values) / values.length;
}
