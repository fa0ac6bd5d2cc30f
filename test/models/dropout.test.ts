import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { SeededDropout } from '../../src/models/dropout.js';

test('dropout: identity at inference; in training each unit is 0 or x/(1-rate), about rate of them dropped', async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.add(tf.randomUniform([4, 50, 50, 1], 0, 1, 'float32', 1), 1);
  const layer = new SeededDropout({ rate: 0.3, seed: 7 });
  assert.deepEqual((layer.apply(x, { training: false }) as tf.Tensor).dataSync(), x.dataSync());
  const y = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
  const xv = x.dataSync();
  let dropped = 0;
  for (let i = 0; i < xv.length; i++) {
    if (y[i] === 0) dropped++;
    else assert.ok(Math.abs(y[i]! - xv[i]! / 0.7) < 1e-5, `unit ${i}: ${y[i]} is neither 0 nor x/0.7`);
  }
  // 10000 Bernoulli(0.3) draws: standard deviation of the fraction is 0.0046.
  assert.ok(Math.abs(dropped / xv.length - 0.3) < 0.02, `dropped fraction ${dropped / xv.length}`);
});

test('dropout: a new mask at every call, the same sequence for the same seed', async () => {
  await initEngine({ backend: 'cpu' });
  const x = tf.ones([2, 8, 8, 4]);
  const masks = (seed: number) => {
    const layer = new SeededDropout({ rate: 0.5, seed });
    return [0, 1].map(() => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync()));
  };
  const [a1, a2] = masks(3);
  const [b1, b2] = masks(3);
  assert.deepEqual(a1, b1);
  assert.deepEqual(a2, b2);
  assert.notDeepEqual(a1, a2);
});

test('per-sample dropout (drop-connect) drops whole samples; the gradient is the mask', async () => {
  await initEngine({ backend: 'cpu' });
  const layer = new SeededDropout({ rate: 0.5, perSample: true, seed: 11 });
  const x = tf.add(tf.randomUniform([64, 3, 3, 2], 0, 1, 'float32', 2), 1);
  const [y, dx] = (() => {
    let out: tf.Tensor | undefined;
    const g = tf.grad((xi: tf.Tensor) => {
      out = tf.keep(layer.apply(xi, { training: true }) as tf.Tensor);
      return tf.sum(out);
    })(x);
    return [out!.arraySync() as number[][][][], g.arraySync() as number[][][][]];
  })();
  const xs = x.arraySync() as number[][][][];
  let droppedSamples = 0;
  for (let n = 0; n < 64; n++) {
    const flat = y[n]!.flat(2);
    const kept = flat[0] !== 0;
    if (!kept) droppedSamples++;
    const expected = kept ? 2 : 0;
    flat.forEach((v, i) => assert.ok(Math.abs(v - xs[n]!.flat(2)[i]! * expected) < 1e-5));
    dx[n]!.flat(2).forEach((g) => assert.ok(Math.abs(g - expected) < 1e-6));
  }
  assert.ok(droppedSamples > 10 && droppedSamples < 54, `${droppedSamples} of 64 samples dropped`);
});

test('dropout config round-trips and bad rates are refused', () => {
  const layer = new SeededDropout({ rate: 0.2, perSample: true, seed: 5, name: 'd' });
  const config = layer.getConfig();
  assert.equal(config.rate, 0.2);
  assert.equal(config.perSample, true);
  assert.equal(config.seed, 5);
  assert.throws(() => new SeededDropout({ rate: 1, seed: 1 }), /rate must be in \[0, 1\)/);
});
