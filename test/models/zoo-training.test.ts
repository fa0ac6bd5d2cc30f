// A few SGD steps of a small member of each family, with ash on WASM, on one fixed batch: the loss on that
// batch must fall well below where it started (the models can fit 8 labelled images quickly; a broken
// gradient path, a frozen site or a mis-wired block cannot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { getModel } from '../../src/models/registry.js';

const STEPS = 6;

function batchLoss(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
}

function trainSteps(name: string, size: number, lr: number): number[] {
  const { model } = getModel(name).build({ activation: { name: 'ash' }, numClasses: 10, inputShape: [size, size, 3], seed: 2, withoutDropout: true });
  const optimizer = tf.train.momentum(lr, 0.9);
  const x = tf.randomNormal([8, size, size, 3], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  try {
    for (let step = 0; step < STEPS; step++) {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => batchLoss(model, x, y), variables);
        optimizer.applyGradients(grads as tf.NamedTensorMap as never);
        return value;
      });
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    losses.push(tf.tidy(() => batchLoss(model, x, y).dataSync()[0]!));
    return losses;
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

// EfficientNet (SE gates, batch norm over 8 images) oscillates at 0.05 on every backend, cpu included
// (measured: losses 4.9 5.3 4.8 3.8 2.3 2.7 2.1 3.6 ... on cpu), so whether step 6 is low was luck; at 0.02
// every engine (cpu, WASM composed, WASM fused, native) is below 0.7 after 6 steps.
for (const [name, size, lr] of [
  ['resnet20', 8, 0.05],
  ['wrn16-1', 16, 0.05],
  ['densenet40-12', 8, 0.05],
  ['efficientnet-w0.25-d0.25', 32, 0.02],
] as const) {
  test(`${name}: ${STEPS} SGD steps with ash on WASM lower the loss on a fixed batch`, async () => {
    await initEngine({ backend: 'wasm' });
    const losses = trainSteps(name, size, lr);
    const [first, last] = [losses[0]!, losses[losses.length - 1]!];
    assert.ok(losses.every(Number.isFinite), `${name}: losses ${losses.join(', ')}`);
    assert.ok(last < 0.6 * first, `${name}: loss went from ${first} to ${last} (${losses.map((l) => l.toFixed(3)).join(' ')})`);
  });
}
