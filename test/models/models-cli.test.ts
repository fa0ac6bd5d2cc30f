// `ash models list` and `ash models summary`, run as a user runs them (through tsx, so no build is needed),
// plus the shape resolution and the summary's numbers checked against counts made another way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { UserError } from '../../src/engine/errors.js';
import { initEngine } from '../../src/engine/backend.js';
import { parseInputShape, resolveShape, formatSummary } from '../../src/cli/models.js';
import { summarizeModel } from '../../src/models/summary.js';

function ash(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'models', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('summary --json: params, sites, shapes of resnet20 on CIFAR-10', () => {
  const r = ash('summary', '--model', 'resnet20', '--dataset', 'cifar10', '--activation', 'relu', '--json');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  // 272,282: the pre-activation ResNet-20 with 1x1 projection shortcuts (published: 0.27M).
  assert.equal(s.params, 272_282);
  assert.equal(s.model, 'resnet20');
  assert.deepEqual(s.inputShape, [32, 32, 3]);
  assert.deepEqual(s.outputShape, [null, 10]);
  const sites = s.activationSites as { count: number; names: string[] };
  assert.equal(sites.count, 19);
  assert.equal(sites.names.length, 19);
  assert.equal(sites.names[0], 's1b1_act1');
});

test('list shows canonical models and the patterns; bad input exits 2 with a message and no stack', () => {
  const list = ash('list');
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^wrn28-10 +classification +Wide ResNet-28-10/m);
  assert.match(list.stdout, /^deeplabv3plus-resnet101 +segmentation +DeepLabV3\+ \(Chen 2018\): ResNet-101/m);
  assert.match(list.stdout, /^unet-small +segmentation +U-Net for CPUs/m);
  assert.match(list.stdout, /densenet<depth>-<k>/);
  const bad = ash('summary', '--model', 'wrn29-10', '--dataset', 'cifar10');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^ash: model 'wrn29-10': wide resnet depth must be 6n\+4/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test('shapes come from the dataset, and --input-shape / --num-classes override it', () => {
  assert.deepEqual(resolveShape({ dataset: 'cifar100' }), { inputShape: [32, 32, 3], numClasses: 100 });
  assert.deepEqual(resolveShape({ dataset: 'tiny-imagenet' }), { inputShape: [64, 64, 3], numClasses: 200 });
  // an image folder's classes are its folders: the shape comes from the registry, the classes from the flag
  assert.deepEqual(resolveShape({ dataset: 'imagefolder', 'num-classes': 1000 }), { inputShape: [224, 224, 3], numClasses: 1000 });
  assert.throws(() => resolveShape({ dataset: 'imagefolder' }), /dataset 'imagefolder' takes its classes from the data; give --num-classes/);
  assert.deepEqual(resolveShape({ 'input-shape': '28x28x1', 'num-classes': 7 }), { inputShape: [28, 28, 1], numClasses: 7 });
  // the same list as `ash datasets list` (src/data/registry.ts), with a suggestion for the typo
  assert.throws(() => resolveShape({ dataset: 'cifar-11' }), /unknown dataset 'cifar-11'. Valid datasets: .*cifar10, cifar100, cifar100-coarse, .*fashion-mnist, .*tiny-imagenet.*; did you mean 'cifar10'\?/);
  assert.throws(() => resolveShape({ 'input-shape': '32,32,3' }), (e: unknown) => e instanceof UserError && /--num-classes/.test(e.message));
  assert.throws(() => resolveShape({ dataset: 'mnist', 'num-classes': 0 }), /--num-classes must be a positive integer, got 0/);
  assert.throws(() => parseInputShape('32,32'), /--input-shape '32,32': expected height,width,channels/);
  assert.throws(() => parseInputShape('32,-1,3'), /three positive integers/);
});

test('summary with ash counts two parameters per site and lists the kept SE gates', async () => {
  await initEngine({ backend: 'cpu' });
  const relu = summarizeModel('efficientnet-w0.25-d0.25', { inputShape: [32, 32, 3], numClasses: 10, activation: { name: 'relu' } });
  const ash = summarizeModel('efficientnet-w0.25-d0.25', { inputShape: [32, 32, 3], numClasses: 10, activation: { name: 'ash' } });
  assert.equal(relu.activationParams, 0);
  assert.equal(ash.activationParams, 2 * ash.activationSites.count);
  assert.equal(ash.params, relu.params + ash.activationParams);
  // One SE gate per block: one block per stage at depth x0.25.
  assert.deepEqual(ash.keptActivations.map((k) => k.function), Array(7).fill('sigmoid'));
  const text = formatSummary(ash);
  assert.match(text, /^output shape +\[batch, 10\]/m);
  assert.match(text, /kept as in the original \(7\):\n  block1a_se_gate \(sigmoid\)/);
});
