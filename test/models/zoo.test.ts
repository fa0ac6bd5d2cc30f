// Parameter counts against the published ones and exact closed forms, and the activation-site bookkeeping:
// every nonlinearity of a model is either a recorded site with its own layer instance, or a recorded kept gate.
// Built on the cpu backend and never run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { getModel } from '../../src/models/registry.js';
import type { BuiltModel } from '../../src/models/types.js';
import { ReluLayer } from '../../src/activations/layers/baselines.js';
import { AshLayer } from '../../src/activations/layers/ash.js';

const CIFAR10 = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 10 };

function trainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * b!, 1), 0);
}

function build(name: string, activation: string, shape = CIFAR10): BuiltModel {
  return getModel(name).build({ activation: { name: activation }, ...shape, seed: 1 });
}

/** WRN, counted from the paper's description: stem, n basic blocks per group (1x1 projection when widths differ), BN, linear. */
function wrnParams(depth: number, k: number, classes: number): number {
  const n = (depth - 4) / 6;
  let c = 16;
  let p = 3 * 3 * 3 * 16;
  for (const w of [16 * k, 32 * k, 64 * k]) {
    for (let i = 0; i < n; i++) {
      p += 2 * c + 9 * c * w + 2 * w + 9 * w * w + (c !== w ? c * w : 0);
      c = w;
    }
  }
  return p + 2 * c + c * classes + classes;
}

/** DenseNet-BC: stem 2k, n bottleneck layers (1x1 to 4k, 3x3 to k) per block, transitions halving, BN, linear. */
function densenetBCParams(depth: number, k: number, classes: number): number {
  const n = (depth - 4) / 6;
  let c = 2 * k;
  let p = 3 * 3 * 3 * 2 * k;
  for (let block = 0; block < 3; block++) {
    for (let i = 0; i < n; i++) {
      p += 2 * c + c * 4 * k + 2 * 4 * k + 9 * 4 * k * k;
      c += k;
    }
    if (block < 2) {
      p += 2 * c + c * Math.floor(c / 2);
      c = Math.floor(c / 2);
    }
  }
  return p + 2 * c + c * classes + classes;
}

function assertWithin(actual: number, published: number, fraction: number, what: string): void {
  assert.ok(Math.abs(actual - published) <= fraction * published, `${what}: ${actual} vs published ${published} (more than ${fraction * 100}% off)`);
}

/**
 * Sites are exactly the layers of the plugged class, each a distinct instance; every other layer with an
 * activation is linear or a recorded kept gate.
 */
function assertSitesAccountedFor(built: BuiltModel, pluggedClass: new (...args: never[]) => unknown, expectedSites: number): void {
  const { model, activationSites } = built;
  assert.equal(activationSites.length, expectedSites);
  assert.equal(new Set(activationSites).size, activationSites.length, 'site names are unique');
  const plugged = model.layers.filter((l) => l instanceof pluggedClass);
  assert.deepEqual(plugged.map((l) => l.name).sort(), [...activationSites].sort());
  assert.equal(new Set(plugged).size, plugged.length, 'every site is its own layer instance');
  const kept = new Set((built.keptActivations ?? []).map((k) => k.layer));
  for (const layer of model.layers) {
    const activation = (layer.getConfig() as { activation?: unknown }).activation;
    if (activation !== undefined && activation !== 'linear') {
      assert.ok(kept.has(layer.name), `layer ${layer.name} has activation ${String(activation)} but is neither a site nor a kept gate`);
    }
  }
}

test('published trainable parameter counts (CIFAR-10 heads; EfficientNet-B0 on ImageNet), within 2%', async () => {
  await initEngine({ backend: 'cpu' });
  const cases: { name: string; published: number; sites: number; exact?: number; shape?: typeof CIFAR10 }[] = [
    // 6n+2 = 20: 9 blocks x 2 sites + the final one.
    { name: 'resnet20', published: 0.27e6, sites: 19 },
    // 9n+2 = 164: 54 bottleneck blocks x 3 sites + 1.
    { name: 'resnet164', published: 1.7e6, sites: 163 },
    { name: 'wrn28-10', published: 36.5e6, sites: 25, exact: wrnParams(28, 10, 10) },
    // 3 blocks x 16 layers x 2 sites + 2 transitions + 1.
    { name: 'densenet100-12', published: 0.77e6, sites: 99, exact: densenetBCParams(100, 12, 10) },
    // Stem + 15 expanded blocks x 3 (expand, depthwise, SE) + block1a's 2 + head = 49. Keras's EfficientNetB0
    // reports 5,288,548 trainable parameters.
    { name: 'efficientnet-b0', published: 5.29e6, sites: 49, exact: 5_288_548, shape: { inputShape: [224, 224, 3], numClasses: 1000 } },
  ];
  for (const c of cases) {
    const built = build(c.name, 'relu', c.shape);
    try {
      const params = trainableParams(built.model);
      assertWithin(params, c.published, 0.02, c.name);
      if (c.exact !== undefined) assert.equal(params, c.exact, `${c.name}: exact count`);
      assertSitesAccountedFor(built, ReluLayer, c.sites);
      assert.deepEqual(built.model.outputs[0]!.shape, [null, (c.shape ?? CIFAR10).numClasses]);
    } finally {
      built.model.dispose();
    }
  }
});

test('small variants match their closed-form counts', async () => {
  await initEngine({ backend: 'cpu' });
  for (const [name, exact] of [
    ['wrn16-1', wrnParams(16, 1, 10)],
    ['wrn16-4', wrnParams(16, 4, 10)],
    ['wrn40-2', wrnParams(40, 2, 10)],
    ['densenet40-12', densenetBCParams(40, 12, 10)],
  ] as const) {
    const built = build(name, 'relu');
    assert.equal(trainableParams(built.model), exact, name);
    built.model.dispose();
  }
  // Published: WRN-16-4 2.7M, WRN-40-2 2.2M (Zagoruyko & Komodakis, Table 1).
  assertWithin(wrnParams(16, 4, 10), 2.7e6, 0.02, 'wrn16-4');
  assertWithin(wrnParams(40, 2, 10), 2.2e6, 0.02, 'wrn40-2');
});

test('with ash, every site is its own AshLayer with its own z and alpha', async () => {
  await initEngine({ backend: 'cpu' });
  // efficientnet-w0.25-d0.25 keeps one block per stage: stem + 2 (block1a, no expansion) + 6 x 3 + head = 22.
  for (const [name, sites] of [['wrn16-1', 13], ['densenet40-12', 39], ['efficientnet-w0.25-d0.25', 22]] as const) {
    const relu = build(name, 'relu');
    const ash = build(name, 'ash');
    assertSitesAccountedFor(ash, AshLayer, sites);
    assert.equal(trainableParams(ash.model), trainableParams(relu.model) + 2 * sites, `${name}: two trainable parameters per site`);
    const variables = ash.model.layers.filter((l) => l instanceof AshLayer).flatMap((l) => l.trainableWeights.map((w) => w.read().id));
    assert.equal(new Set(variables).size, 2 * sites, `${name}: no two sites share a variable`);
    relu.model.dispose();
    ash.model.dispose();
  }
});

test('EfficientNet: SE sigmoid gates are kept, SE Swish is a site unless -se-swish keeps it', async () => {
  await initEngine({ backend: 'cpu' });
  const plugged = build('efficientnet-b0', 'relu', { inputShape: [64, 64, 3], numClasses: 10 });
  const native = build('efficientnet-b0-se-swish', 'relu', { inputShape: [64, 64, 3], numClasses: 10 });
  try {
    const gates = (plugged.keptActivations ?? []).filter((k) => k.function === 'sigmoid');
    assert.equal(gates.length, 16, 'one SE gate per MBConv block');
    assert.equal(plugged.activationSites.filter((s) => s.endsWith('_se_act')).length, 16);
    assertSitesAccountedFor(native, ReluLayer, 49 - 16);
    assert.equal((native.keptActivations ?? []).filter((k) => k.function === 'swish').length, 16);
    assert.equal(trainableParams(native.model), trainableParams(plugged.model), 'same weights either way');
  } finally {
    plugged.model.dispose();
    native.model.dispose();
  }
});

test('dropout layers: WRN between the convs, EfficientNet head and drop-connect; none when built without dropout', async () => {
  await initEngine({ backend: 'cpu' });
  const dropoutLayers = (name: string, withoutDropout = false) => {
    const built = getModel(name).build({ activation: { name: 'relu' }, ...CIFAR10, seed: 1, withoutDropout });
    const names = built.model.layers.filter((l) => l.getClassName() === 'AshBenchSeededDropout').map((l) => l.name);
    built.model.dispose();
    return names;
  };
  assert.equal(dropoutLayers('wrn16-1').length, 0);
  assert.equal(dropoutLayers('wrn16-1-drop0.3').length, 6);
  // B0: 9 blocks keep their width and resolution (identity + drop-connect); block1a, the first of each stage, does not.
  const efficient = dropoutLayers('efficientnet-b0');
  assert.equal(efficient.filter((n) => n.endsWith('_drop')).length, 9);
  assert.ok(efficient.includes('head_dropout'));
  assert.equal(dropoutLayers('efficientnet-b0', true).length, 0);
});

test('the same seed builds the same weights', async () => {
  await initEngine({ backend: 'cpu' });
  const weights = (seed: number) => {
    const built = getModel('densenet22-4').build({ activation: { name: 'ash' }, ...CIFAR10, seed });
    const values = built.model.getWeights().map((w) => Array.from(w.dataSync()));
    built.model.dispose();
    return values;
  };
  assert.deepEqual(weights(5), weights(5));
  assert.notDeepEqual(weights(5), weights(6));
});

test('new families survive toJSON / modelFromJSON (custom layers registered), same outputs with the same weights', async () => {
  await initEngine({ backend: 'cpu' });
  for (const name of ['wrn16-1-drop0.3', 'densenet22-4', 'efficientnet-w0.25-d0.25']) {
    const { model } = getModel(name).build({ activation: { name: 'ash', k: 0.2 }, numClasses: 10, inputShape: [32, 32, 3], seed: 4 });
    const copy = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as never });
    copy.setWeights(model.getWeights());
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (copy.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(b), Array.from(a), name);
    tf.dispose(x);
    model.dispose();
    copy.dispose();
  }
});
