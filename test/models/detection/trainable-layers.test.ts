// Every detector is built from layers whose gradients are right on every backend: no tfjs MaxPooling2D
// (tfjs 4.22's WASM MaxPoolGrad is wrong for windows whose maximum is negative, src/models/max-pool.ts) and no
// tfjs conv with a dilation rate above 1 (tfjs-core's Conv2D gradient throws for it: ssd300's conv6 could not
// take a step before it became an AtrousConv2D).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf.js';
import { getModel, modelNames } from '../../../src/models/registry.js';

test('detectors: no tfjs max pooling and no dilated tfjs conv in any of them (paper-size and CPU)', async () => {
  await tf.setBackend('cpu');
  const detectors = modelNames().filter((name) => getModel(name).task === 'detection');
  assert.deepEqual(detectors.sort(), ['maskrcnn-r50-fpn', 'maskrcnn-small', 'ssd-small', 'ssd300', 'yolo-small', 'yolov5s']);
  for (const name of detectors) {
    const side = getModel(name).inputSize!;
    const built = getModel(name).build({ activation: { name: 'relu' }, numClasses: 3, inputShape: [side, side, 1], seed: 1 });
    const layers = built.model.layers;
    assert.deepEqual(layers.filter((l) => l.getClassName() === 'MaxPooling2D').map((l) => l.name), [], name);
    const dilated = layers.filter((l) => {
      const rate = (l.getConfig() as { dilationRate?: number | number[] }).dilationRate;
      return l.getClassName() !== 'AshBenchAtrousConv2D' && rate !== undefined && [rate].flat().some((r) => r > 1);
    });
    assert.deepEqual(dilated.map((l) => l.name), [], name);
    if (name === 'ssd300') assert.equal(layers.find((l) => l.name === 'conv6_conv')!.getClassName(), 'AshBenchAtrousConv2D');
    built.model.dispose();
  }
});
