// "Did you mean": the edit distance behind it and the suggestions every registry's unknown-name error gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestName, editDistance, unknownName, UserError } from '../../src/engine/errors.js';
import { createActivation, activationNames } from '../../src/activations/registry.js';
import { getModel } from '../../src/models/registry.js';
import { getDataset } from '../../src/data/registry.js';
import { initEngine } from '../../src/engine/backend.js';

test('editDistance: insertions, deletions, substitutions, neighbour swaps; case is ignored', () => {
  // kitten -> sitten (k/s) -> sittin (e/i) -> sitting (+g): 3
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('abc', 'abc'), 0);
  // one swap of neighbours counts once (plain Levenshtein would say 2)
  assert.equal(editDistance('wsam', 'wasm'), 1);
  assert.equal(editDistance('reLU', 'relu'), 0);
  // relu6 -> relu: one deletion
  assert.equal(editDistance('relu6', 'relu'), 1);
});

test('closestName: a typo finds its name, a different word finds nothing', () => {
  assert.equal(closestName('rleu', ['ash', 'relu', 'swish']), 'relu');
  assert.equal(closestName('swihs', ['ash', 'relu', 'swish']), 'swish');
  assert.equal(closestName('vgg', ['ash', 'relu', 'swish']), undefined);
  // a whole part of a dashed name beats a one-letter typo of a short one ('gpu' is not 'cpu')
  assert.equal(closestName('gpu', ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']), 'tensorflow-gpu');
  // at most a third of the name's length: 'cifar11' is 1 edit from 'cifar10' (7 letters allow 2)
  assert.equal(closestName('cifar11', ['mnist', 'cifar10', 'cifar100']), 'cifar10');
});

test('unknownName keeps its shape and adds the suggestion', () => {
  const err = unknownName('backend', 'wsam', ['auto', 'wasm', 'cpu']);
  assert.ok(err instanceof UserError);
  assert.equal(err.message, "unknown backend 'wsam'. Valid backends: auto, cpu, wasm; did you mean 'wasm'?");
  assert.equal(unknownName('backend', 'gpu9000', ['auto', 'wasm', 'cpu']).message, "unknown backend 'gpu9000'. Valid backends: auto, cpu, wasm");
});

test('activation, model, dataset and backend registries suggest the close name', async () => {
  assert.ok(activationNames().includes('swish'));
  assert.throws(() => createActivation({ name: 'swsh' }), /unknown activation 'swsh'\. Valid activations: .*; did you mean 'swish'\?$/);
  assert.throws(() => getModel('resnet2O'), /unknown model 'resnet2O'.*; did you mean 'resnet20'\?$/);
  assert.throws(() => getDataset('fashion_mnist'), /unknown dataset 'fashion_mnist'.*; did you mean 'fashion-mnist'\?$/);
  await assert.rejects(() => initEngine({ backend: 'wsam' as never }), /unknown backend 'wsam'.*; did you mean 'wasm'\?$/);
});
