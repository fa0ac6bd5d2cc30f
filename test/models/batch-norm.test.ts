import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { BatchNorm, batchNormTraining } from '../../src/models/batch-norm.js';

/** Reference: tfjs's own moments + batchNorm, differentiated by tfjs autodiff. */
function referenceGrads(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, dy: tf.Tensor, eps: number): tf.Tensor[] {
  return tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(xi, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(xi, mean, variance, b, g, eps), dy));
  })([x, gamma, beta]);
}

function maxRelErr(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  let scale = 1;
  for (const v of bv) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < av.length; i++) err = Math.max(err, Math.abs(av[i]! - bv[i]!) / scale);
  return err;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`batch norm output and gradients match tfjs autodiff (${backend})`, async () => {
    await initEngine({ backend });
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 1), 3), 2) as tf.Tensor4D;
      const gamma = tf.randomUniform([6], 0.5, 1.5, 'float32', 2) as tf.Tensor1D;
      const beta = tf.randomNormal([6], 0, 1, 'float32', 3) as tf.Tensor1D;
      const dy = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 4);
      const ours = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { y, mean, variance } = batchNormTraining(xi, g, b, 1e-5);
        tf.dispose([mean, variance]);
        return tf.sum(tf.mul(y, dy));
      })([x, gamma, beta]);
      const ref = referenceGrads(x, gamma, beta, dy, 1e-5);
      ours.forEach((g, i) => assert.ok(maxRelErr(g, ref[i]!) < 1e-4, `gradient ${i} differs by ${maxRelErr(g, ref[i]!)}`));
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-5);
      const m = tf.moments(x, [0, 1, 2]);
      assert.ok(maxRelErr(y, tf.batchNorm(x, m.mean, m.variance, beta, gamma, 1e-5)) < 1e-5);
      assert.ok(maxRelErr(mean, m.mean) < 1e-5);
      assert.ok(maxRelErr(variance, m.variance) < 1e-5);
      tf.dispose([mean, variance]);
    });
  });
}

test('running statistics: PyTorch-style unbiased variance with Keras-style momentum; inference uses them', async () => {
  await initEngine({ backend: 'cpu' });
  const layer = new BatchNorm({ momentum: 0.75, epsilon: 1e-3 });
  // One channel, 4 values: mean 2.5, biased var 1.25, unbiased var 5/3.
  const x = tf.tensor4d([1, 2, 3, 4], [4, 1, 1, 1]);
  layer.apply(x, { training: true });
  const [gamma, beta, movingMean, movingVar] = layer.getWeights().map((w) => w.dataSync()[0]!);
  assert.equal(gamma, 1);
  assert.equal(beta, 0);
  assert.ok(Math.abs(movingMean! - 0.25 * 2.5) < 1e-6);
  assert.ok(Math.abs(movingVar! - (0.75 + 0.25 * (5 / 3))) < 1e-6);
  const inferred = (layer.apply(tf.tensor4d([3], [1, 1, 1, 1]), { training: false }) as tf.Tensor).dataSync()[0]!;
  assert.ok(Math.abs(inferred - (3 - movingMean!) / Math.sqrt(movingVar! + 1e-3)) < 1e-5);
});

test('a model with BatchNorm survives a save/load round trip', async () => {
  await initEngine({ backend: 'cpu' });
  const input = tfl.input({ shape: [2, 2, 3] });
  const output = new BatchNorm({ momentum: 0.8, name: 'bn' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  model.apply(tf.randomNormal([4, 2, 2, 3], 1, 2, 'float32', 5), { training: true });
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
  const probe = tf.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 6);
  assert.ok(maxRelErr(loaded.predict(probe) as tf.Tensor, model.predict(probe) as tf.Tensor) < 1e-6);
  assert.equal((loaded.getLayer('bn') as BatchNorm).momentum, 0.8);
});
