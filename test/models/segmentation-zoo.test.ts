// The segmentation models, built on the cpu backend and never trained here (segmentation-training.test.ts
// trains them): parameter counts against published ones and exact closed forms, per-pixel logits at the
// input resolution, every nonlinearity a recorded site with its own layer instance, input sizes checked.
// Also the bilinear-resize layer they upsample with: values by hand, gradients exactly (it is linear).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import { getModel, modelNames } from '../../src/models/registry.js';
import { trainableParams } from '../../src/models/summary.js';
import { BilinearResize } from '../../src/models/bilinear-resize.js';
import { NearestUpsample } from '../../src/models/nearest-upsample.js';
import { AtrousConv2D } from '../../src/models/atrous-conv.js';
import type { BuiltModel } from '../../src/models/types.js';
import { ReluLayer } from '../../src/activations/layers/baselines.js';
import { AshLayer } from '../../src/activations/layers/ash.js';

const SEGMENTERS = ['unet', 'unet-small', 'deeplabv3plus-resnet50', 'deeplabv3plus-resnet101', 'deeplabv3plus-small', 'efficientnet-b0-unet', 'efficientnet-unet-small'];

function build(name: string, activation: string, size: [number, number], numClasses: number): BuiltModel {
  return getModel(name).build({ activation: { name: activation }, numClasses, inputShape: [size[0], size[1], 3], seed: 1 });
}

/** Sites are exactly the layers of the plugged class, each its own instance; no other layer has an activation unless kept. */
function assertSitesAccountedFor(built: BuiltModel, pluggedClass: new (...args: never[]) => unknown, expectedSites: number): void {
  const { model, activationSites } = built;
  assert.equal(activationSites.length, expectedSites, `${model.name}: sites`);
  assert.equal(new Set(activationSites).size, activationSites.length, 'site names are unique');
  const plugged = model.layers.filter((l) => l instanceof pluggedClass);
  assert.deepEqual(plugged.map((l) => l.name).sort(), [...activationSites].sort());
  const kept = new Set((built.keptActivations ?? []).map((k) => k.layer));
  for (const layer of model.layers) {
    const activation = (layer.getConfig() as { activation?: unknown }).activation;
    if (activation !== undefined && activation !== 'linear') assert.ok(kept.has(layer.name), `${model.name}: ${layer.name} has activation ${String(activation)}`);
  }
}

/** Trainable parameters of the layers whose names match (a model's part: backbone, head). */
function paramsOf(model: tfl.LayersModel, layerName: RegExp): number {
  return model.layers.filter((l) => layerName.test(l.name)).reduce((sum, l) => sum + trainableParams(l), 0);
}

/** DeepLabV3+ head on 2048 backbone channels and 256 stride-4 channels (convs before BN have no bias; BN: 2 per channel). */
function deeplabHeadParams(classes: number): number {
  const c = 256;
  const aspp = 2048 * c + 2 * c + 3 * (9 * 2048 * c + 2 * c) + (2048 * c + 2 * c) + (5 * c * c + 2 * c);
  const decoder = 256 * 48 + 2 * 48 + (9 * (c + 48) * c + 2 * c) + (9 * c * c + 2 * c);
  return aspp + decoder + c * classes + classes;
}

test('registry: the segmenters are listed with task segmentation; the classifiers keep no task (classification)', () => {
  const names = modelNames();
  for (const name of SEGMENTERS) {
    assert.ok(names.includes(name), `${name} missing`);
    assert.equal(getModel(name).task, 'segmentation');
  }
  assert.equal(getModel('resnet20').task, undefined);
  assert.deepEqual(
    [...new Set(SEGMENTERS.map((n) => getModel(n).family))],
    ['unet', 'deeplabv3plus', 'efficientnet-unet'],
  );
});

test('paper-size parameter counts: U-Net and EfficientNet-B0 U-Net as published, DeepLabV3+ backbones as torchvision', async () => {
  await initEngine({ backend: 'cpu' });
  // U-Net, 3 input channels, 2 classes: 31,037,698, the count of milesial/Pytorch-UNet's UNet(3, 2) (same
  // padding, BN, 2x2 transposed-conv up-sampling), the common reimplementation; 18 sites = 9 double convs x 2.
  const unet = build('unet', 'relu', [64, 64], 2);
  assert.equal(trainableParams(unet.model), 31_037_698);
  assertSitesAccountedFor(unet, ReluLayer, 18);
  unet.model.dispose();

  // smp.Unet('efficientnet-b0', classes=1) reports 6,251,469, which counts the encoder's unused 1x1 head conv
  // (320 x 1280) and its BN (2 x 1280) that smp keeps but never runs: 6,251,469 - 409,600 - 2,560.
  // Sites: the classifier's 49 less its head activation, plus 5 decoder blocks x 2; 16 kept SE gates.
  const effUnet = build('efficientnet-b0-unet', 'relu', [64, 64], 1);
  assert.equal(trainableParams(effUnet.model), 6_251_469 - 409_600 - 2_560);
  assertSitesAccountedFor(effUnet, ReluLayer, 48 + 10);
  assert.equal(effUnet.keptActivations.length, 16);
  effUnet.model.dispose();

  // Backbones: torchvision's resnet50 / resnet101 have 25,557,032 / 44,549,160 parameters, of which the
  // 2048 x 1000 classifier takes 2,049,000. Sites: stem + 3 per bottleneck (16 / 33) + ASPP 5 + projection + decoder 3.
  for (const [name, backbone, blocks] of [
    ['deeplabv3plus-resnet50', 25_557_032 - 2_049_000, 16],
    ['deeplabv3plus-resnet101', 44_549_160 - 2_049_000, 33],
  ] as const) {
    const built = build(name, 'relu', [64, 64], 21);
    assert.equal(paramsOf(built.model, /^(stem|layer)/), backbone, `${name}: backbone`);
    assert.equal(trainableParams(built.model), backbone + deeplabHeadParams(21), `${name}: total`);
    assertSitesAccountedFor(built, ReluLayer, 1 + 3 * blocks + 6 + 3);
    // Output stride 16 on a 64x64 input: stage 1 (low-level features) at 16x16, stage 3 and the dilated
    // stage 4 at 4x4; every 3x3 conv of stage 4 at rate 2, ASPP at 6/12/18; the decoder works at 16x16.
    const shapeOf = (layer: string) => built.model.getLayer(layer).outputShape;
    assert.deepEqual(shapeOf('layer1_1_add'), [null, 16, 16, 256]);
    assert.deepEqual(shapeOf('layer3_1_add'), [null, 4, 4, 1024]);
    assert.deepEqual(shapeOf('layer4_3_act3'), [null, 4, 4, 2048]);
    const rates = built.model.layers.filter((l) => l instanceof AtrousConv2D).map((l) => [l.name, (l as AtrousConv2D).dilationRate]);
    assert.deepEqual(rates, [
      ['layer4_1_conv2', 2], ['layer4_2_conv2', 2], ['layer4_3_conv2', 2],
      ['aspp_rate1_conv', 6], ['aspp_rate2_conv', 12], ['aspp_rate3_conv', 18],
    ]);
    assert.deepEqual(shapeOf('decoder_2_act'), [null, 16, 16, 256]);
    built.model.dispose();
  }
});

test('every segmenter: logits [N, H, W, classes] at the input resolution; small variants with ash: one AshLayer per site', async () => {
  await initEngine({ backend: 'cpu' });
  for (const [name, size, sites] of [
    ['unet-small', [40, 24], 2 * 7],
    // Any size works (stride-2 'same' convs round up; resizes are to the exact sizes).
    ['deeplabv3plus-small', [37, 50], 1 + 3 * 4 + 6 + 3],
    ['efficientnet-unet-small', [64, 32], 21 + 10],
  ] as const) {
    const relu = build(name, 'relu', [size[0], size[1]], 5);
    const ash = build(name, 'ash', [size[0], size[1]], 5);
    assert.deepEqual(ash.model.outputs[0]!.shape, [null, size[0], size[1], 5], name);
    assertSitesAccountedFor(ash, AshLayer, sites);
    assert.equal(trainableParams(ash.model), trainableParams(relu.model) + 2 * sites, `${name}: z and alpha per site`);
    const variables = ash.model.layers.filter((l) => l instanceof AshLayer).flatMap((l) => l.trainableWeights.map((w) => w.read().id));
    assert.equal(new Set(variables).size, 2 * sites, `${name}: no two sites share a variable`);
    const y = ash.model.predict(tf.zeros([1, size[0], size[1], 3])) as tf.Tensor;
    assert.deepEqual(y.shape, [1, size[0], size[1], 5]);
    tf.dispose(y);
    relu.model.dispose();
    ash.model.dispose();
  }
});

test('input sizes a model cannot take are a UserError naming the model and the rule', async () => {
  await initEngine({ backend: 'cpu' });
  const attempt = (name: string, size: [number, number]) => () => build(name, 'relu', size, 3);
  assert.throws(attempt('unet', [64, 60]), (e: unknown) => e instanceof UserError && /model 'unet': input height and width must be multiples of 16 .*got 64x60/.test(e.message));
  assert.throws(attempt('unet-small', [28, 28]), /multiples of 8/);
  assert.throws(attempt('efficientnet-unet-small', [48, 64]), (e: unknown) => e instanceof UserError && /multiples of 32/.test(e.message));
  assert.throws(attempt('deeplabv3plus-small', [8, 32]), (e: unknown) => e instanceof UserError && /at least 16x16/.test(e.message));
});

/** resize(x) of a one-channel [1, h, w, 1] image to [H, W] with aligned corners. */
function resize(values: number[], h: number, w: number, H: number, W: number): tf.Tensor {
  const input = tfl.input({ shape: [h, w, 1] });
  const model = tfl.model({ inputs: input, outputs: new BilinearResize({ height: H, width: W }).apply(input) as tfl.SymbolicTensor });
  return model.predict(tf.tensor4d(values, [1, h, w, 1])) as tf.Tensor;
}

test('bilinear resize: aligned corners by hand, equal to tf.image.resizeBilinear; its gradient is the exact adjoint, on cpu and WASM', async () => {
  await initEngine({ backend: 'cpu' });
  // [[0, 1], [2, 3]] to 3x3 with aligned corners: corners kept, edge midpoints averaged, centre = mean of all 4.
  assert.deepEqual(Array.from(resize([0, 1, 2, 3], 2, 2, 3, 3).dataSync()), [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
  // 1x1 to 2x3: broadcast (ASPP's image-pooling branch).
  assert.deepEqual(Array.from(resize([4], 1, 1, 2, 3).dataSync()), [4, 4, 4, 4, 4, 4]);

  // Why the layer does not use tf.image.resizeBilinear: the cpu backend's gradient has height and width swapped.
  assert.throws(() => tf.grad((xs: tf.Tensor) => tf.sum(tf.image.resizeBilinear(xs as tf.Tensor4D, [6, 10], true)))(tf.ones([1, 3, 5, 1])), /does not match the shape/);

  // resize is linear: d/dx sum(w * resize(x)) at pixel i is sum(w * resize(e_i)), e_i the i-th basis image.
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend, nativeKernels: false });
    for (const [h, w, H, W] of [[3, 5, 12, 20], [4, 4, 7, 9], [1, 1, 4, 4], [5, 3, 5, 3]] as const) {
      const layer = new BilinearResize({ height: H, width: W });
      const weights = tf.randomNormal([1, H, W, 2], 0, 1, 'float32', 7);
      const x = tf.randomNormal([1, h, w, 2], 0, 1, 'float32', 8);
      // Same values as tfjs's own resize with aligned corners.
      const ours = layer.apply(x) as tf.Tensor;
      const theirs = tf.image.resizeBilinear(x as tf.Tensor4D, [H, W], true);
      assert.ok(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]! < 1e-5, `${backend} ${h}x${w}->${H}x${W}: values`);
      tf.dispose([ours, theirs]);
      const grad = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(layer.apply(xs) as tf.Tensor, weights)))(x).dataSync();
      // Resize every basis image at once ([h*w, H, W, 1]), weight and sum: [h*w, 2], laid out as grad's [1, h, w, 2].
      const basis = tf.tidy(() => {
        const eye = tf.reshape(tf.eye(h * w), [h * w, h, w, 1]);
        return tf.sum(tf.mul(layer.apply(eye) as tf.Tensor, weights), [1, 2]);
      });
      const want = basis.dataSync();
      assert.equal(grad.length, want.length);
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(grad[i]! - want[i]!) < 1e-4, `${backend} ${h}x${w}->${H}x${W} element ${i}: ${grad[i]} vs ${want[i]}`);
      }
      tf.dispose([weights, x, basis]);
    }
  }
});

test('nearest upsampling: upSampling2d values; gradient = the sum of dy over each block, on cpu and WASM', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await initEngine({ backend, nativeKernels: false });
    for (const [h, w, factor] of [[4, 4, 2], [3, 5, 2], [1, 1, 2], [2, 3, 3]] as const) {
      const layer = new NearestUpsample({ factor });
      const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 1);
      const dy = tf.randomNormal([2, factor * h, factor * w, 3], 0, 1, 'float32', 2);
      const ours = layer.apply(x) as tf.Tensor;
      const theirs = tfl.layers.upSampling2d({ size: [factor, factor] }).apply(x) as tf.Tensor;
      assert.deepEqual(Array.from(ours.dataSync()), Array.from(theirs.dataSync()), `${backend} ${h}x${w} x${factor}: values`);
      const grad = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(layer.apply(xs) as tf.Tensor, dy)))(x).dataSync();
      // Block sums by hand: dx[n, i, j, c] = sum over a, b < factor of dy[n, factor*i + a, factor*j + b, c].
      const d = dy.dataSync();
      const want = new Float64Array(grad.length);
      for (let n = 0; n < 2; n++)
        for (let i = 0; i < factor * h; i++)
          for (let j = 0; j < factor * w; j++)
            for (let c = 0; c < 3; c++) want[((n * h + Math.floor(i / factor)) * w + Math.floor(j / factor)) * 3 + c] += d[((n * factor * h + i) * factor * w + j) * 3 + c]!;
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(grad[i]! - want[i]!) < 1e-5, `${backend} ${h}x${w} x${factor}: gradient element ${i}: ${grad[i]} vs ${want[i]}`);
      if (backend === 'cpu' && factor === 2 && h === 4) {
        // Why the layer exists: upSampling2d's gradient on the cpu backend is not the block sum.
        const wrong = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(tfl.layers.upSampling2d({ size: [2, 2] }).apply(xs) as tf.Tensor, dy)))(x).dataSync();
        assert.ok(wrong.some((v, i) => Math.abs(v - want[i]!) > 0.1), "cpu upSampling2d's gradient is now right: NearestUpsample could go back to it");
      }
      tf.dispose([x, dy, ours, theirs]);
    }
  }
});

test('every small segmenter survives toJSON / modelFromJSON (its custom layers registered): same outputs with the same weights', async () => {
  await initEngine({ backend: 'cpu' });
  for (const name of ['unet-small', 'deeplabv3plus-small', 'efficientnet-unet-small']) {
    const { model } = getModel(name).build({ activation: { name: 'ash', k: 0.2 }, numClasses: 4, inputShape: [32, 32, 3], seed: 4 });
    const copy = await tfl.models.modelFromJSON({ modelTopology: JSON.parse(JSON.stringify(model.toJSON(null, false))) as never });
    copy.setWeights(model.getWeights());
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9);
    const a = model.predict(x) as tf.Tensor;
    const b = copy.predict(x) as tf.Tensor;
    assert.deepEqual(b.shape, [2, 32, 32, 4]);
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()), name);
    tf.dispose([x, a, b]);
    model.dispose();
    copy.dispose();
  }
});
