// The paper-size detectors build with the reference layouts (weights are allocated, nothing is run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf.js';
import { getModel } from '../../../src/models/registry.js';
import { summarizeModel } from '../../../src/models/summary.js';

test('ssd300 on VOC: sources 38, 19, 10, 5, 3, 1 and 8732 priors; yolov5s at 640: 80/40/20 grids, 25200 predictions', async () => {
  await tf.setBackend('cpu');
  const ssd = getModel('ssd300').build({ activation: { name: 'relu' }, numClasses: 20, inputShape: [300, 300, 3], seed: 0 });
  assert.equal(getModel('ssd300').task, 'detection');
  assert.deepEqual(ssd.model.outputs.map((o) => o.shape), [[null, 8732, 4], [null, 8732, 21]]);
  assert.deepEqual(['conv4_3_act', 'conv7_act', 'extra1_2_act', 'extra2_2_act', 'extra3_2_act', 'extra4_2_act'].map((n) => ssd.model.getLayer(n).outputShape[1]), [38, 19, 10, 5, 3, 1]);
  // 13 VGG convs + conv6, conv7 + 8 extra convs, each its own activation.
  assert.equal(ssd.activationSites.length, 23);
  assert.deepEqual(ssd.detector!.inputSize, [300, 300]);
  // ssd.pytorch's SSD300 on VOC, counted from its layers (convs with biases, L2Norm's 512 scales), is
  // 26,285,486. Here every backbone and extra conv (8192 output channels in all) drops its bias and gains a
  // BN scale and shift (+8192), and L2Norm is gone (-512).
  const ssdParams = ssd.model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(ssdParams, 26285486 + 8192 - 512);
  ssd.model.dispose();
  const yolo = getModel('yolov5s').build({ activation: { name: 'relu' }, numClasses: 80, inputShape: [640, 640, 3], seed: 0 });
  // (80^2 + 40^2 + 20^2) cells x 3 anchors, 85 numbers each (yolov5s on COCO).
  assert.deepEqual(yolo.model.outputs[0]!.shape, [null, 25200, 85]);
  // yolov5s on COCO has 7,235,389 parameters (the model summary yolov5 prints: "214 layers, 7235389
  // parameters"); trainable weights here are the same tensors (conv kernels, BN scale and shift, Detect
  // kernels and biases), so the count checks every layer's width and depth.
  const params = yolo.model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(params, 7235389);
  yolo.model.dispose();
});

test('model summary of a detector: its task and every head output', async () => {
  await tf.setBackend('cpu');
  const s = summarizeModel('ssd-small', { activation: { name: 'ash' }, numClasses: 10, inputShape: [64, 64, 1] });
  assert.equal(s.task, 'detection');
  assert.deepEqual(s.outputs, [{ name: 'loc', shape: [null, 368, 4] }, { name: 'conf', shape: [null, 368, 11] }]);
  // 8 ASH sites, z and alpha each.
  assert.equal(s.activationParams, 16);
  assert.equal(summarizeModel('resnet20', { activation: { name: 'relu' }, numClasses: 10, inputShape: [32, 32, 3] }).task, 'classification');
});
