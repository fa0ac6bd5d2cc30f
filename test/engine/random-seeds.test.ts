// Seeds are 32-bit: the config accepts 0..2^32-1 and the generator refuses anything else, instead of
// silently wrapping (2^32+7 used to give seed 7's stream). Existing seeds keep their exact streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { UserError } from '../../src/engine/errors.js';

test('seeds 1 and 2^32-1 give the same first draws as before the bound (results stay comparable)', () => {
  // Recorded from src/engine/random.ts before this change (sfc32 seeded through splitmix32).
  const one = new Rng(1);
  assert.deepEqual([0, 1, 2, 3, 4].map(() => one.nextUint32()), [1828152527, 3394835397, 2967886022, 2251045104, 4148684523]);
  const top = new Rng(4294967295);
  assert.deepEqual([0, 1, 2].map(() => top.nextUint32()), [1413747962, 91561161, 3282502067]);
  const init = new Rng(1).fork('init');
  assert.deepEqual([0, 1, 2].map(() => init.nextUint32()), [2605912251, 4031098327, 2101323741]);
});

test('a seed outside 0..2^32-1 (or not an integer) is refused, not wrapped onto another seed', () => {
  for (const seed of [2 ** 32 + 7, 2 ** 32, -1, 1.5, Number.NaN]) {
    assert.throws(() => new Rng(seed), (err: unknown) => err instanceof UserError && /seed .* expected an integer in 0\.\.4294967295/.test(err.message), String(seed));
  }
});
