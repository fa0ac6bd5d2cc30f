import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/engine/errors.js';
import { getModel, isModelName, modelNames, modelPatterns } from '../../src/models/registry.js';

test('canonical names: the paper models and their small variants', () => {
  const names = modelNames();
  for (const name of ['resnet20', 'resnet164', 'wrn28-10', 'wrn16-4', 'wrn16-1', 'wrn40-2', 'densenet100-12', 'densenet40-12', 'efficientnet-b0']) {
    assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
    assert.equal(getModel(name).name, name);
  }
  assert.deepEqual(
    modelPatterns().map((p) => p.family),
    ['wrn', 'densenet', 'efficientnet'],
  );
});

test('patterned names resolve to their family with the parameters in the name', () => {
  assert.equal(getModel('wrn22-8').family, 'wrn');
  assert.match(getModel('wrn22-8').description, /128\/256\/512 channels/);
  assert.match(getModel('wrn-28-10').description, /Wide ResNet-28-10/);
  assert.match(getModel('wrn16-4-drop0.3').description, /dropout 0.3/);
  assert.match(getModel('densenet190-40').description, /DenseNet-BC-190 \(k=40\): 3 dense blocks of 31 /);
  assert.match(getModel('efficientnet-b3').description, /EfficientNet-B3/);
  assert.match(getModel('efficientnet-w0.5-d0.25').description, /width x0.5, depth x0.25/);
  assert.match(getModel('efficientnet-b0-se-swish').description, /SE Swish kept native/);
  assert.ok(isModelName('densenet22-4'));
});

test('invalid members of a family name the model and the rule; unknown names list the valid ones', () => {
  assert.throws(() => getModel('wrn27-10'), (err: unknown) => err instanceof UserError && /model 'wrn27-10': .*6n\+4/.test(err.message));
  assert.throws(() => getModel('densenet41-12'), (err: unknown) => err instanceof UserError && /model 'densenet41-12': .*6n\+4/.test(err.message));
  assert.throws(() => getModel('wrn28-0'), /width must be >= 1/);
  assert.throws(() => getModel('efficientnet-w0-d1'), /multipliers must be > 0/);
  assert.throws(
    () => getModel('efficientnet-b8'),
    (err: unknown) => err instanceof UserError && /unknown model 'efficientnet-b8'/.test(err.message) && /resnet164/.test(err.message) && /wrn<depth>-<width>/.test(err.message),
  );
  assert.throws(() => getModel('wrn28-10-drop1.5'), /unknown model/);
  assert.equal(isModelName('wrn27-10'), false);
  assert.equal(isModelName('vgg16'), false);
});
