// ssd-small's gradients on WASM against the cpu backend (the reference). Swish makes pooling windows whose
// maximum is negative, where tfjs 4.22's WASM MaxPoolGrad misplaces the gradient (see src/models/max-pool.ts);
// SSD pools with the project's MaxPool so that both backends agree. The loss is a fixed linear function of
// both heads' outputs, so that no host-side choice (hard-negative mining) can differ between the backends.
import { test } from 'node:test';
import { tf } from '../../../src/engine/tf.js';
import { initEngine } from '../../../src/engine/backend.js';
import { buildSsd } from '../../../src/models/detection/ssd.js';
import { assertGradientsMatch } from '../../helpers/gradient-match.js';

function gradients(): Map<string, Float32Array> {
  const { model } = buildSsd('ssd-small', { activation: { name: 'swish' }, numClasses: 3, inputShape: [64, 64, 1], seed: 5 });
  const out = new Map<string, Float32Array>();
  tf.tidy(() => {
    const x = tf.randomNormal([1, 64, 64, 1], 0, 1, 'float32', 11);
    const wLoc = tf.randomNormal([1, 368, 4], 0, 1, 'float32', 12);
    const wConf = tf.randomNormal([1, 368, 4], 0, 1, 'float32', 13);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const [loc, conf] = model.apply(x, { training: true }) as [tf.Tensor, tf.Tensor];
      return tf.add(tf.sum(tf.mul(loc, wLoc)), tf.sum(tf.mul(conf, wConf))) as tf.Scalar;
    }, variables);
    model.trainableWeights.forEach((w, i) => out.set(w.originalName, grads[variables[i]!.name]!.dataSync() as Float32Array));
  });
  model.dispose();
  return out;
}

test('ssd-small with swish: every weight gradient on WASM matches the cpu backend', async () => {
  await initEngine({ backend: 'cpu' });
  const reference = gradients();
  await initEngine({ backend: 'wasm' });
  const wasm = gradients();
  assertGradientsMatch(reference, wasm);
});
