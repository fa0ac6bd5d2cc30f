// A stream's saved state continues it draw for draw (what checkpoints rely on), and a bad state is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { UserError } from '../../src/engine/errors.js';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { SeededDropout } from '../../src/models/dropout.js';

test('rng: a restored state draws exactly what the saved stream draws next; reading the state draws nothing', () => {
  const original = new Rng(7).fork('shuffle');
  for (let i = 0; i < 1000; i++) original.nextUint32();
  const state = original.getState();
  assert.deepEqual(original.getState(), state);
  // Through JSON, as a checkpoint stores it: four unsigned 32-bit words.
  const saved = JSON.parse(JSON.stringify(state)) as [number, number, number, number];
  assert.ok(saved.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32));
  const expected = [...Array.from({ length: 50 }, () => original.nextUint32()), ...original.permutation(20)];
  const resumed = new Rng(12345);
  resumed.restoreState(saved);
  const got = [...Array.from({ length: 50 }, () => resumed.nextUint32()), ...resumed.permutation(20)];
  assert.deepEqual(got, expected);
});

test('rng: a state that is not four unsigned 32-bit integers is refused', () => {
  const rng = new Rng(1);
  for (const bad of [[1, 2, 3], [1, 2, 3, -1], [1, 2, 3, 2 ** 32], [1, 2, 3, 0.5], 'abcd']) {
    assert.throws(() => rng.restoreState(bad as never), UserError);
  }
});

test('dropout: a restored mask stream gives the masks the saved layer would have drawn', async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.ones([2, 6, 6, 3]);
  const a = new SeededDropout({ rate: 0.5, seed: 11 });
  a.apply(x, { training: true });
  const state = a.getRngState();
  const next = Array.from((a.apply(x, { training: true }) as tf.Tensor).dataSync());
  const b = new SeededDropout({ rate: 0.5, seed: 99 });
  b.restoreRngState(state);
  assert.deepEqual(Array.from((b.apply(x, { training: true }) as tf.Tensor).dataSync()), next);
  // And a fresh layer of the same seed (no restore) draws the first mask, not this one.
  const c = new SeededDropout({ rate: 0.5, seed: 11 });
  assert.notDeepEqual(Array.from((c.apply(x, { training: true }) as tf.Tensor).dataSync()), next);
});
