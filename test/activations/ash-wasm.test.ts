// The ASH forms on the WASM backend: forward against float64, gradients against the cpu backend.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { ashCustomGrad, ashHard, ashTopK, type AshMathOptions } from '../../src/activations/ash-math.js';
import { createActivation } from '../../src/activations/registry.js';
import { ash64, ashHard64, asFloat32, assertClose, normals, tensorOf, tidyValues, valuesOf } from './reference.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
  assert.equal(tf.getBackend(), 'wasm');
});

const SHAPE = [4, 6, 6, 8];
const SIZE = 4 * 6 * 6 * 8;
const x64 = asFloat32(normals(SIZE, 41, 1.8, -0.6));
const upstream64 = asFloat32(normals(SIZE, 42));

function gradientsOn(backend: string, options: AshMathOptions, z = 0.4, alpha = 1.6): Float64Array[] {
  void tf.setBackend(backend); // synchronous for a backend already registered with tfjs
  assert.equal(tf.getBackend(), backend);
  return tidyValues(() =>
    tf.grads((x: tf.Tensor, zz: tf.Tensor, a: tf.Tensor) => ashCustomGrad(x, zz, a, options))(
      [tensorOf(x64, SHAPE), tf.scalar(z), tf.scalar(alpha)],
      tensorOf(upstream64, SHAPE),
    ),
  );
}

for (const stats of ['sample', 'channel'] as const) {
  for (const stopStatsGradient of [false, true]) {
    test(`ash on wasm (${stats} stats, stopStatsGradient ${stopStatsGradient}): forward = float64, gradients = cpu`, () => {
      const options = { stats, epsilon: 1e-5, stopStatsGradient };
      void tf.setBackend('wasm');
      const [y] = tidyValues(() => [ashCustomGrad(tensorOf(x64, SHAPE), tf.scalar(0.4), tf.scalar(1.6), options)]);
      assertClose(y!, ash64(x64, SHAPE, { z: 0.4, alpha: 1.6, stats, eps: 1e-5 }), 1e-5, 1e-6, 'wasm forward');
      const onWasm = gradientsOn('wasm', options);
      const onCpu = gradientsOn('cpu', options);
      void tf.setBackend('wasm');
      assertClose(onWasm[0]!, onCpu[0]!, 1e-4, 1e-5, 'dx');
      assertClose(onWasm[1]!, onCpu[1]!, 1e-4, 1e-4, 'dz');
      assertClose(onWasm[2]!, onCpu[2]!, 1e-4, 1e-4, 'dalpha');
    });
  }
}

test('ash-hard and ash-topk on wasm', () => {
  void tf.setBackend('wasm');
  const hard = valuesOf(ashHard(tensorOf(x64, SHAPE), 0.8, 'sample', 1e-5)).map((v) => v + 0);
  assert.deepEqual(Array.from(hard), Array.from(ashHard64(x64, SHAPE, 0.8, 'sample', 1e-5)));
  const kept = valuesOf(ashTopK(tensorOf(x64, SHAPE), 0.1));
  for (let b = 0; b < 4; b++) {
    const row = kept.subarray(b * 288, (b + 1) * 288);
    assert.equal(row.filter((v) => v !== 0).length, Math.ceil(0.1 * 288));
  }
});

test('an ash layer trains on wasm: its weight gradients equal the cpu ones, and SGD applies them', () => {
  void tf.setBackend('wasm');
  const layer = createActivation({ name: 'ash', z: 0.5, alpha: 1.5 });
  const x = tensorOf(x64, SHAPE);
  const upstream = tensorOf(upstream64, SHAPE);
  layer.apply(x); // builds the weights
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, upstream)) as tf.Scalar, weights);
  const names = Object.keys(grads).sort();
  assert.equal(names.length, 2, `gradients for ${names}`);
  const dAlpha = grads[names.find((n) => n.endsWith('alpha'))!]!.dataSync()[0]!;
  const dz = grads[names.find((n) => n.endsWith('z'))!]!.dataSync()[0]!;
  const onCpu = gradientsOn('cpu', { stats: 'sample', epsilon: 1e-5, stopStatsGradient: false }, 0.5, 1.5);
  void tf.setBackend('wasm');
  assert.ok(Math.abs(dz - onCpu[1]![0]!) <= 1e-4 * Math.max(1, Math.abs(dz)), `dz ${dz} vs cpu ${onCpu[1]![0]}`);
  assert.ok(Math.abs(dAlpha - onCpu[2]![0]!) <= 1e-4 * Math.max(1, Math.abs(dAlpha)), `dalpha ${dAlpha} vs cpu ${onCpu[2]![0]}`);
  const lr = 0.01;
  tf.train.sgd(lr).applyGradients(grads);
  const [zAfter, alphaAfter] = layer.getWeights().map((w) => w.dataSync()[0]!);
  assert.ok(Math.abs(zAfter! - (0.5 - lr * dz)) < 1e-6, `z after ${zAfter}`);
  assert.ok(Math.abs(alphaAfter! - (1.5 - lr * dAlpha)) < 1e-6, `alpha after ${alphaAfter}`);
});
