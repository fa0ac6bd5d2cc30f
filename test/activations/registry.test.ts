// The activation registry: names, option validation and errors, fresh layers, and reading ASH state.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { UserError } from '../../src/engine/errors.js';
import {
  activationNames,
  activationOptionsSchema,
  ashLayerStates,
  createActivation,
  isAshLayer,
  readAshState,
} from '../../src/activations/registry.js';
import { normalQuantile } from '../../src/activations/normal-quantile.js';
import { normals, tensorOf } from './reference.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const ALL = ['ash', 'ash-hard', 'ash-topk', 'relu', 'lrelu', 'prelu', 'softplus', 'elu', 'selu', 'gelu', 'swish', 'mish'];

test('activationNames lists the paper activations and the ASH forms', () => {
  assert.deepEqual([...activationNames()].sort(), [...ALL].sort());
});

test('an unknown name is a UserError listing the valid names', () => {
  assert.throws(
    () => createActivation({ name: 'ashh' }),
    (err: Error) => err instanceof UserError && err.message.includes("'ashh'") && ALL.every((n) => err.message.includes(n)),
  );
  assert.throws(() => activationOptionsSchema('nope'), UserError);
});

function userErrorMatching(...parts: string[]) {
  return (err: Error) => {
    assert.ok(err instanceof UserError, `${err.name}: ${err.message}`);
    for (const part of parts) assert.ok(err.message.includes(part), `'${err.message}' lacks '${part}'`);
    return true;
  };
}

test('bad options give UserErrors naming the activation, the option and what was expected', () => {
  assert.throws(() => createActivation({ name: 'ash', k: 1.5 }), userErrorMatching("activation 'ash'", "'k'", '0 < k < 1', '1.5'));
  assert.throws(() => createActivation({ name: 'ash-hard', k: 0 }), userErrorMatching("'ash-hard'", "'k'"));
  assert.throws(() => createActivation({ name: 'ash', z: 1, k: 0.1 }), userErrorMatching("'ash'", 'either z or k'));
  assert.throws(() => createActivation({ name: 'ash', kk: 0.1 }), userErrorMatching("'ash'", "unknown option 'kk'", 'valid options: z, k, alpha'));
  assert.throws(() => createActivation({ name: 'relu', slope: 0.1 }), userErrorMatching("'relu'", "'slope'", 'takes no options'));
  assert.throws(() => createActivation({ name: 'ash', alpha: 'big' }), userErrorMatching("'alpha'", 'expected a number > 0', '"big"'));
  assert.throws(() => createActivation({ name: 'ash', alpha: -1 }), userErrorMatching("'alpha'"));
  assert.throws(() => createActivation({ name: 'ash', stats: 'batch' }), userErrorMatching("'stats'", "'sample' or 'channel'"));
  assert.throws(() => createActivation({ name: 'ash-topk', k: 1.01 }), userErrorMatching("'k'", '0 < k <= 1'));
  assert.throws(() => createActivation({ name: 'gelu', approximate: 'erf' }), userErrorMatching("'approximate'", "'none' or 'tanh'"));
  assert.throws(() => createActivation({ name: 'swish', trainBeta: 'yes' }), userErrorMatching("'trainBeta'", 'true or false'));
  assert.throws(() => createActivation({ name: 'lrelu', slope: Infinity }), userErrorMatching("'slope'"));
});

test('option schemas fill defaults, leave z/k alone, and re-parse their own output unchanged', () => {
  const once = activationOptionsSchema('ash').parse({ k: 0.1 });
  assert.deepEqual(once, { k: 0.1, alpha: 1, trainAlpha: true, stopStatsGradient: false, stats: 'sample', epsilon: 1e-5 });
  assert.deepEqual(activationOptionsSchema('ash').parse(once), once);
  assert.deepEqual(activationOptionsSchema('ash-topk').parse({}), { k: 0.5 });
  assert.deepEqual(activationOptionsSchema('relu').parse({}), {});
  // A config validated once can be handed to createActivation as it is.
  const layer = createActivation({ name: 'ash', ...once });
  assert.ok(isAshLayer(layer));
});

test('every call returns a new layer; layerName names it', () => {
  for (const name of ALL) {
    const a = createActivation({ name });
    const b = createActivation({ name });
    assert.notEqual(a, b);
    assert.notEqual(a.name, b.name);
    assert.equal(createActivation({ name }, `site_${name}`).name, `site_${name}`);
  }
});

test('z comes from k through Phi^-1(1 - k); the layer config records both', () => {
  for (const k of [0.025, 0.1, 0.5]) {
    const layer = createActivation({ name: 'ash', k });
    const config = layer.getConfig();
    assert.equal(config.k, k);
    assert.equal(config.z, normalQuantile(1 - k));
  }
  assert.ok(Math.abs((createActivation({ name: 'ash', k: 0.025 }).getConfig().z as number) - 1.959963984540054) < 1e-12);
  assert.equal(createActivation({ name: 'ash' }).getConfig().z, 0);
});

test('channel statistics on a rank-2 input are a UserError at build time', () => {
  const layer = createActivation({ name: 'ash', stats: 'channel' });
  assert.throws(() => layer.apply(tf.zeros([2, 8])), userErrorMatching("stats 'channel'", 'rank >= 3'));
  assert.throws(() => createActivation({ name: 'ash-hard', stats: 'channel' }).apply(tf.zeros([2, 8])), UserError);
});

test('ashLayerStates reads the learned z and alpha of every ASH layer; trainAlpha false keeps alpha', async () => {
  const input = tfl.input({ shape: [4, 4, 2] });
  let h = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(input) as tfl.SymbolicTensor;
  h = createActivation({ name: 'ash', k: 0.3, alpha: 1.5 }, 'ash_a').apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(h) as tfl.SymbolicTensor;
  h = createActivation({ name: 'ash', z: -0.2, trainAlpha: false }, 'ash_b').apply(h) as tfl.SymbolicTensor;
  h = createActivation({ name: 'relu' }).apply(h) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(tfl.layers.flatten().apply(h)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const initial = ashLayerStates(model);
  assert.deepEqual(initial.map((s) => s.layer), ['ash_a', 'ash_b']);
  assert.ok(Math.abs(initial[0]!.z - normalQuantile(0.7)) < 1e-6 && initial[0]!.alpha === 1.5);
  assert.ok(Math.abs(initial[1]!.z + 0.2) < 1e-6 && initial[1]!.alpha === 1);
  assert.equal(model.getLayer('ash_b').trainableWeights.length, 1);

  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  const x = tensorOf(normals(16 * 32, 71), [16, 4, 4, 2]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'), 3);
  await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
  const trained = ashLayerStates(model);
  assert.ok(Math.abs(trained[0]!.z - initial[0]!.z) > 1e-4, `z of ash_a stayed ${trained[0]!.z}`);
  assert.ok(Math.abs(trained[0]!.alpha - initial[0]!.alpha) > 1e-4, `alpha of ash_a stayed ${trained[0]!.alpha}`);
  assert.ok(Math.abs(trained[1]!.z - initial[1]!.z) > 1e-4, `z of ash_b stayed ${trained[1]!.z}`);
  assert.equal(trained[1]!.alpha, 1);
  const ashA = model.getLayer('ash_a');
  assert.ok(isAshLayer(ashA));
  assert.deepEqual(readAshState(ashA), trained[0]);
  assert.ok(!isAshLayer(createActivation({ name: 'ash-hard' })));
});

test('no activation leaves tensors behind in forward + backward', () => {
  const x = tensorOf(normals(2 * 3 * 3 * 4, 72), [2, 3, 3, 4]);
  for (const name of ALL) {
    const layer = createActivation({ name });
    layer.apply(x); // creates the weights, once
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      tf.grads((input: tf.Tensor) => layer.apply(input) as tf.Tensor)([x]);
      if (weights.length > 0) tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, weights);
    });
    assert.equal(tf.memory().numTensors, before, `${name} leaked ${tf.memory().numTensors - before} tensors`);
  }
});
