import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyTally, summarise, tallyBatch } from '../../src/tasks/classification/metrics.js';
import { learningRate } from '../../src/tasks/schedule.js';
import { DEFAULT_RECIPE } from '../../src/contract/recipe.js';

test('top-1, top-5 and loss on a hand-computed batch', () => {
  // 7 classes, 3 examples. Log-probs chosen by hand.
  const lp = Float32Array.from([
    // label 0 is the best: top-1 and top-5 hit
    -0.1, -3, -4, -5, -6, -7, -8,
    // label 6 has 5 classes above it: top-5 miss
    -1, -2, -3, -4, -5, -9, -7,
    // label 2 has 4 above it: top-5 hit, top-1 miss
    -1, -2, -6, -3, -4, -7, -8,
  ]);
  const t = emptyTally();
  tallyBatch(t, lp, [0, 6, 2], 7);
  const s = summarise(t);
  assert.equal(s.top1, 100 / 3);
  assert.equal(s.top5, 200 / 3);
  assert.ok(Math.abs(s.valLoss - (0.1 + 7 + 6) / 3) < 1e-6);
});

test('NaN scores never count as correct', () => {
  const t = emptyTally();
  tallyBatch(t, Float32Array.from([NaN, NaN, NaN]), [1], 3);
  assert.equal(summarise(t).top1, 0);
  assert.ok(Number.isNaN(summarise(t).valLoss));
});

test('cosine schedule: base lr at step 0, half at the middle, ~0 at the end; constant stays', () => {
  const r = { ...DEFAULT_RECIPE, optimizer: { ...DEFAULT_RECIPE.optimizer, lr: 0.2 } };
  const run = { totalSteps: 100, stepsPerEpoch: 10 };
  assert.equal(learningRate(r, 0, run), 0.2);
  assert.ok(Math.abs(learningRate(r, 50, run) - 0.1) < 1e-12);
  assert.ok(learningRate(r, 99, run) < 0.2 * 0.001);
  assert.equal(learningRate({ ...r, schedule: 'constant' }, 99, run), 0.2);
});
