import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { OptimizerSchema, PartialOptimizerSchema, overrideOptimizer, type OptimizerConfig } from '../../src/contract/optimizer.js';
import { createOptimizer } from '../../src/tasks/optimizers.js';

before(async () => {
  await tf.setBackend('cpu');
});

// A tiny quadratic: loss = 0.5 * sum(A * w^2) + 0.5 * sum(C * (b - 1)^2), so dL/dw = A * w and
// dL/db = C * (b - 1). `w` stands for a conv kernel (decayed), `b` for a bias or BN parameter (not decayed).
const A = [1, 4, 0.25];
const C = [2, 0.5];
const W0 = [1, -0.5, 2];
const B0 = [0, 3];
const RATES = [0.1, 0.05, 0.02, 0.02]; // a schedule: the rate is set before each step

/** Float64 reference of PyTorch's update rules (torch/optim/sgd.py, adam.py, adamw.py, single-tensor path). */
function reference(config: OptimizerConfig, steps: number): { w: number[]; b: number[] } {
  const params = { w: [...W0], b: [...B0] };
  const state: Record<'w' | 'b', { buf?: number[]; m: number[]; v: number[] }> = {
    w: { m: [0, 0, 0], v: [0, 0, 0] },
    b: { m: [0, 0], v: [0, 0] },
  };
  for (let t = 1; t <= steps; t++) {
    const lr = RATES[t - 1]!;
    const grads = { w: params.w.map((x, i) => A[i]! * x), b: params.b.map((x, i) => C[i]! * (x - 1)) };
    for (const key of ['w', 'b'] as const) {
      const p = params[key];
      const s = state[key];
      const decayed = key === 'w';
      let g = grads[key];
      if (config.name === 'sgd') {
        // d_p = g + wd * p; buf = g at t=1 else momentum * buf + d_p; nesterov: d_p += momentum * buf; p -= lr * d_p
        if (decayed) g = g.map((gi, i) => gi + config.weightDecay * p[i]!);
        s.buf = s.buf ? s.buf.map((bi, i) => config.momentum * bi + g[i]!) : [...g];
        const d = config.nesterov ? g.map((gi, i) => gi + config.momentum * s.buf![i]!) : s.buf;
        for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * d[i]!;
      } else {
        if (config.name === 'adam' && decayed) g = g.map((gi, i) => gi + config.weightDecay * p[i]!);
        if (config.name === 'adamw' && decayed) for (let i = 0; i < p.length; i++) p[i] = p[i]! * (1 - lr * config.weightDecay);
        // m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr/(1 - b1^t) * m / (sqrt(v)/sqrt(1 - b2^t) + eps)
        const bc1 = 1 - config.beta1 ** t;
        const bc2 = 1 - config.beta2 ** t;
        for (let i = 0; i < p.length; i++) {
          s.m[i] = config.beta1 * s.m[i]! + (1 - config.beta1) * g[i]!;
          s.v[i] = config.beta2 * s.v[i]! + (1 - config.beta2) * g[i]! * g[i]!;
          p[i] = p[i]! - (lr / bc1) * (s.m[i]! / (Math.sqrt(s.v[i]!) / Math.sqrt(bc2) + config.epsilon));
        }
      }
    }
  }
  return params;
}

function run(config: OptimizerConfig, steps: number): { w: number[]; b: number[] } {
  const w = tf.variable(tf.tensor1d(W0), true, `w-${config.name}-${Math.random()}`);
  const b = tf.variable(tf.tensor1d(B0), true, `b-${config.name}-${Math.random()}`);
  const opt = createOptimizer(config);
  for (let t = 0; t < steps; t++) {
    opt.setLearningRate(RATES[t]!);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.add(tf.mul(0.5, tf.sum(tf.mul(A, tf.square(w)))), tf.mul(0.5, tf.sum(tf.mul(C, tf.square(tf.sub(b, 1)))))) as tf.Scalar,
        [w, b],
      );
      opt.applyGradients(grads, [w]);
    });
  }
  const out = { w: Array.from(w.dataSync()), b: Array.from(b.dataSync()) };
  opt.dispose();
  w.dispose();
  b.dispose();
  return out;
}

function assertClose(actual: number[], expected: number[], what: string): void {
  actual.forEach((a, i) => {
    // float32 state against the float64 reference: a few ulps per step
    assert.ok(Math.abs(a - expected[i]!) <= 2e-6 * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: ${a} != ${expected[i]}`);
  });
}

function check(input: unknown, steps = 4): OptimizerConfig {
  const config = OptimizerSchema.parse(input);
  const got = run(config, steps);
  const want = reference(config, steps);
  assertClose(got.w, want.w, `${config.name} w`);
  assertClose(got.b, want.b, `${config.name} b`);
  return config;
}

test('SGD with Nesterov momentum and L2 on the decayed weights matches PyTorch, first step by hand', () => {
  // Step 1, w[0]: g = 1*1 + 0.1 (wd) * 1 = 1.1; buf = 1.1; nesterov d = 1.1 + 0.9 * 1.1 = 2.09; w = 1 - 0.1 * 2.09 = 0.791
  // b[1] (not decayed): g = 0.5 * (3 - 1) = 1; d = 1 + 0.9 = 1.9; b = 3 - 0.19 = 2.81
  const config = OptimizerSchema.parse({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
  const one = run(config, 1);
  assertClose([one.w[0]!, one.b[1]!], [0.791, 2.81], 'first step');
  check({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
  check({ name: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0 });
});

test('Adam (L2 in the gradient) matches PyTorch, first step by hand', () => {
  // Step 1: mhat = g, vhat = g^2, so w -= lr * g / (|g| + eps) = lr * sign(g) (up to eps):
  // w[0]: g = 1 + 0.01 * 1 = 1.01 -> 1 - 0.1 * 1.01 / (1.01 + 1e-8) = 0.9000000009900990
  const config = OptimizerSchema.parse({ name: 'adam', lr: 0.1, weightDecay: 0.01 });
  assertClose([run(config, 1).w[0]!], [1 - (0.1 * 1.01) / (1.01 + 1e-8)], 'first step');
  check({ name: 'adam', lr: 0.1, weightDecay: 0.01 });
  check({ name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 });
});

test('AdamW decays the weights apart from the gradient, scaled by the scheduled rate', () => {
  // Step 1, w[2]: decay 2 * (1 - 0.1 * 0.5) = 1.9; then the Adam step on g = 0.25 * 2 = 0.5 (the undecayed
  // weight's gradient): 1.9 - 0.1 * 0.5 / (0.5 + 1e-8) = 1.8000000020000000
  const config = OptimizerSchema.parse({ name: 'adamw', lr: 0.1, weightDecay: 0.5 });
  assertClose([run(config, 1).w[2]!], [1.9 - (0.1 * 0.5) / (0.5 + 1e-8)], 'first step');
  check({ name: 'adamw', lr: 0.1, weightDecay: 0.5 });
  // AdamW and Adam differ once decay is on: the same settings give different weights.
  const adam = run(OptimizerSchema.parse({ name: 'adam', lr: 0.1, weightDecay: 0.5 }), 4).w;
  const adamw = run(OptimizerSchema.parse({ name: 'adamw', lr: 0.1, weightDecay: 0.5 }), 4).w;
  assert.ok(Math.abs(adam[0]! - adamw[0]!) > 1e-3, `adam ${adam[0]} vs adamw ${adamw[0]}`);
});

test('schema: sgd is the default and old SGD configs parse unchanged; strict per optimizer', () => {
  assert.deepEqual(OptimizerSchema.parse({}), { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const old = { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 1e-4 };
  assert.deepEqual(OptimizerSchema.parse(old), old);
  assert.deepEqual(OptimizerSchema.parse({ name: 'adamw' }), { name: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-2 });
  assert.equal(OptimizerSchema.safeParse({ name: 'adam', momentum: 0.9 }).success, false);
  const rmsprop = OptimizerSchema.safeParse({ name: 'rmsprop' });
  assert.equal(rmsprop.success, false);
  assert.match(rmsprop.error!.issues[0]!.message, /expected one of: sgd, adam, adamw/);
  assert.equal(OptimizerSchema.safeParse({ name: 'sgd', momentum: 1 }).success, false);
  assert.equal(PartialOptimizerSchema.safeParse({ weightDecay: 1e-4 }).success, true);
  assert.equal(PartialOptimizerSchema.safeParse({ betas: [0.9, 0.99] }).success, false);
});

test('sgd is bit-identical to the loop it replaces (tf.train.momentum, L2 added to the gradient)', () => {
  // The old createTrainStep: grads[v] = grads[v] + wd * v for decayed v, then momentum.applyGradients.
  const config = OptimizerSchema.parse({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const ours = run(config, 4);
  const w = tf.variable(tf.tensor1d(W0), true, `w-old-${Math.random()}`);
  const b = tf.variable(tf.tensor1d(B0), true, `b-old-${Math.random()}`);
  const old = tf.train.momentum(0.1, 0.9, true);
  for (let t = 0; t < 4; t++) {
    old.setLearningRate(RATES[t]!);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.add(tf.mul(0.5, tf.sum(tf.mul(A, tf.square(w)))), tf.mul(0.5, tf.sum(tf.mul(C, tf.square(tf.sub(b, 1)))))) as tf.Scalar,
        [w, b],
      );
      grads[w.name] = tf.add(grads[w.name]!, tf.mul(w, 5e-4));
      old.applyGradients(grads as never);
    });
  }
  assert.deepEqual(ours, { w: Array.from(w.dataSync()), b: Array.from(b.dataSync()) });
  old.dispose();
});

test('overrideOptimizer: switching optimizer drops the other one\'s fields; the same one merges', () => {
  const sgd = { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
  assert.deepEqual(OptimizerSchema.parse(overrideOptimizer(sgd, { name: 'adamw', lr: 1e-3 })), { name: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-2 });
  assert.deepEqual(overrideOptimizer(sgd, { weightDecay: 1e-4 }), { ...sgd, weightDecay: 1e-4 });
  assert.deepEqual(overrideOptimizer(sgd, { name: 'sgd', nesterov: false }), { ...sgd, nesterov: false });
  assert.deepEqual(overrideOptimizer(sgd, { weightDecay: null }), { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true });
});
