// numpy's pairwise summation, on sums whose rounding depends on the order of the additions. With
// B = 2^53 the doubles near B are spaced 2 apart: B + 1 rounds back to B (ties to even), B + 2 is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numpyMean, numpySum } from '../../../src/tasks/detection/numpy-sum.js';

const B = 2 ** 53;

test('fewer than 8 values: one running sum, left to right', () => {
  // ((B + 0) + 1) + 1: each +1 is lost.
  assert.equal(numpySum([B, 0, 1, 1]), B);
});

test('8 to 128 values: eight interleaved sums joined pairwise', () => {
  // ((B + 0) + (1 + 1)) + ((0 + 0) + (0 + 0)) = B + 2. A running sum would give B.
  assert.equal(numpySum([B, 0, 1, 1, 0, 0, 0, 0]), B + 2);
  // The ninth value is added after the pairs: (B + 2) + 2 = B + 4.
  assert.equal(numpySum([B, 0, 1, 1, 0, 0, 0, 0, 2]), B + 4);
  // 72 values in one block: B lands in accumulator 0 with value 64 (B + 1 -> B), value 65 in accumulator 1: B + 1 -> B.
  const block = new Array<number>(72).fill(0);
  [block[0], block[64], block[65]] = [B, 1, 1];
  assert.equal(numpySum(block), B);
});

test('more than 128 values: split in halves on a multiple of 8, each summed on its own', () => {
  // 136 values split 64 + 72: the left half sums to B, the right half holds values 64 and 65: 1 + 1 = 2; B + 2.
  const values = new Array<number>(136).fill(0);
  [values[0], values[64], values[65]] = [B, 1, 1];
  assert.equal(numpySum(values), B + 2);
});

test('mean is the sum over the count; no values give NaN as numpy does', () => {
  assert.equal(numpyMean([1, 2, 3, 6]), 3);
  assert.ok(Number.isNaN(numpyMean([])));
});
