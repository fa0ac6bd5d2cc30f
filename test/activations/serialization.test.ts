// Every activation survives model.save / tfl.loadLayersModel through a memory IOHandler.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { activationNames, createActivation } from '../../src/activations/registry.js';
import type { ActivationSpec } from '../../src/contract/spec.js';
import { normals, tensorOf } from './reference.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

/** Saves through a custom save handler, passes the topology through JSON as a file would, loads from memory. */
async function roundTrip(model: tfl.LayersModel): Promise<{ loaded: tfl.LayersModel; topologyJson: string }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const topologyJson = JSON.stringify(saved!.modelTopology);
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory({ ...saved!, modelTopology: JSON.parse(topologyJson) }));
  return { loaded, topologyJson };
}

/** Non-default options, and learned weights moved away from their initial values. */
const CASES: { spec: ActivationSpec; weights?: number[][] }[] = [
  { spec: { name: 'ash', k: 0.2, alpha: 2, trainAlpha: false, stopStatsGradient: true, stats: 'channel', epsilon: 1e-4 }, weights: [[0.7], [2.5]] },
  { spec: { name: 'ash', z: -0.3 }, weights: [[0.45], [1.8]] },
  { spec: { name: 'ash-hard', z: 0.5, stats: 'channel' } },
  { spec: { name: 'ash-hard', k: 0.3 } },
  { spec: { name: 'ash-topk', k: 0.3 } },
  { spec: { name: 'relu' } },
  { spec: { name: 'lrelu', slope: 0.2 } },
  { spec: { name: 'prelu', slope: 0.1 }, weights: [[0.3, -0.2, 0.6]] },
  { spec: { name: 'prelu', perChannel: false }, weights: [[0.4]] },
  { spec: { name: 'softplus' } },
  { spec: { name: 'elu' } },
  { spec: { name: 'selu' } },
  { spec: { name: 'gelu', approximate: 'tanh' } },
  { spec: { name: 'swish', beta: 1.5, trainBeta: true }, weights: [[0.8]] },
  { spec: { name: 'swish', beta: 2 } },
  { spec: { name: 'mish' } },
];

test('the round-trip cases cover every registered activation', () => {
  assert.deepEqual([...new Set(CASES.map((c) => c.spec.name))].sort(), activationNames().sort());
});

for (const { spec, weights } of CASES) {
  test(`${JSON.stringify(spec)} survives save and load`, async () => {
    const activation = createActivation(spec, 'act');
    const model = tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [4, 4, 3], filters: 3, kernelSize: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }), activation],
    });
    if (weights) {
      assert.equal(activation.getWeights().length, weights.length);
      activation.setWeights(weights.map((w, i) => tf.tensor(w, activation.getWeights()[i]!.shape)));
    }
    const x = tensorOf(normals(2 * 4 * 4 * 3, 61, 1.5), [2, 4, 4, 3]);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const { loaded, topologyJson } = await roundTrip(model);
    const loadedActivation = loaded.getLayer('act');
    assert.equal(loadedActivation.constructor, activation.constructor);
    assert.ok(topologyJson.includes(`"class_name":"${(activation.constructor as unknown as { className: string }).className}"`));
    assert.deepEqual(loadedActivation.getConfig(), activation.getConfig());
    assert.deepEqual(
      loadedActivation.getWeights().map((w) => Array.from(w.dataSync())),
      activation.getWeights().map((w) => Array.from(w.dataSync())),
    );
    assert.deepEqual(
      // (names, not the variable names, which tfjs makes unique per process with a _1 suffix)
      loadedActivation.trainableWeights.map((w) => w.originalName),
      activation.trainableWeights.map((w) => w.originalName),
    );
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(after), Array.from(before));
  });
}

test("tfjs-layers' own PReLU still deserialises to its own class", async () => {
  const builtIn = tfl.layers.prelu({ name: 'builtin' });
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2 }), builtIn] });
  const { loaded } = await roundTrip(model);
  assert.equal(loaded.getLayer('builtin').getClassName(), 'PReLU');
  assert.equal(loaded.getLayer('builtin').constructor, builtIn.constructor);
});
