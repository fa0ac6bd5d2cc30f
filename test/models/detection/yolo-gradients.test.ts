// yolo-small's gradients on WASM against the cpu backend (the reference), through the whole YOLOv5 loss on a
// batch of two scenes. Batch 2 matters: tfjs 4.22's ResizeNearestNeighborGrad (tfl.layers.upSampling2d) is
// wrong on the cpu backend for every image after the first, which put every weight below the neck's
// upsamplings off by O(1) (relative) between the backends; the model upsamples with NearestUpsample.
import { test } from 'node:test';
import { tf } from '../../../src/engine/tf.js';
import { initEngine } from '../../../src/engine/backend.js';
import { buildYolo } from '../../../src/models/detection/yolo.js';
import { disposeTargets } from '../../../src/models/detection/types.js';
import { sceneBatch } from '../../helpers/detection-fixtures.js';
import { assertGradientsMatch } from '../../helpers/gradient-match.js';

function gradients(): Map<string, Float32Array> {
  const { model, detector } = buildYolo('yolo-small', { activation: { name: 'swish' }, numClasses: 10, inputShape: [64, 64, 1], seed: 2 });
  const batch = sceneBatch(2, 1);
  const targets = detector.encodeTargets(batch.truth);
  const out = new Map<string, Float32Array>();
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => detector.loss(batch.images, targets).total, variables);
  model.trainableWeights.forEach((w, i) => out.set(w.originalName, grads[variables[i]!.name]!.dataSync() as Float32Array));
  tf.dispose([value, batch.images, ...Object.values(grads)]);
  disposeTargets(targets);
  model.dispose();
  return out;
}

test('yolo-small with swish: every weight gradient of the detection loss on WASM matches the cpu backend', async () => {
  await initEngine({ backend: 'cpu' });
  const reference = gradients();
  await initEngine({ backend: 'wasm' });
  const wasm = gradients();
  assertGradientsMatch(reference, wasm);
});
