// The augmentation setting from configs and `ash train --augment`: each dataset's default kind, the
// spelled-out job spec, job ids that stay those of existing pad-crop results, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSweepConfig } from '../../src/config/load.js';
import { expandJobs } from '../../src/config/expand.js';
import { trainJob } from '../../src/cli/train.js';
import { RRC_RATIO, RRC_SCALE } from '../../src/data/augment.js';
import { UserError } from '../../src/engine/errors.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const RRC_DEFAULT = { kind: 'random-resized-crop', scale: RRC_SCALE, ratio: RRC_RATIO, flip: true };

function configFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ash-augment-')), 'sweep.yaml');
  writeFileSync(file, ['name: aug', 'grid:', '  activation: [relu]', '  model: [resnet20]', '  dataset: [fashion-mnist, imagefolder, tiny-imagenet, cifar10]', 'seeds: [1]', ...lines].join('\n'));
  return file;
}

function augmentByDataset(file: string, set: string[] = []): Record<string, unknown> {
  return Object.fromEntries(expandJobs(loadSweepConfig(file, { set }).config).map((j) => [j.spec.dataset, j.spec.train.augment]));
}

test('without a kind each dataset gets its own: random-resized-crop for image folders, pad-crop for the rest', () => {
  assert.deepEqual(augmentByDataset(configFile([])), {
    'fashion-mnist': { crop: 4, flip: true },
    imagefolder: RRC_DEFAULT,
    'tiny-imagenet': RRC_DEFAULT,
    cifar10: { crop: 4, flip: true },
  });
  // Each kind keeps its own fields only; a kind given applies to every dataset.
  const file = configFile(['train:', '  augment: { crop: 2, flip: false, scale: [0.35, 1], ratio: [0.5, 2] }']);
  assert.deepEqual(augmentByDataset(file), {
    'fashion-mnist': { crop: 2, flip: false },
    imagefolder: { kind: 'random-resized-crop', scale: [0.35, 1], ratio: [0.5, 2], flip: false },
    'tiny-imagenet': { kind: 'random-resized-crop', scale: [0.35, 1], ratio: [0.5, 2], flip: false },
    cifar10: { crop: 2, flip: false },
  });
  assert.deepEqual(augmentByDataset(file, ['train.augment.kind=pad-crop']).imagefolder, { crop: 2, flip: false });
  assert.deepEqual(augmentByDataset(file, ['train.augment.kind=random-resized-crop']).cifar10, { kind: 'random-resized-crop', scale: [0.35, 1], ratio: [0.5, 2], flip: false });
  // A per-dataset override picks the kind for that dataset alone.
  const override = configFile(['overrides:', '  dataset:', '    imagefolder: { train: { augment: { kind: pad-crop } } }']);
  assert.deepEqual(augmentByDataset(override).imagefolder, { crop: 4, flip: true });
  assert.deepEqual(augmentByDataset(override)['tiny-imagenet'], RRC_DEFAULT);
});

test('pad-crop jobs keep the ids they had before augmentation kinds existed; spelled-out defaults change nothing', () => {
  // The ids of configs/smoke.yaml since job ids hash the identity (label and data location left out, result.json
  // schema 2); older folders are found by identity (test/runner/legacy-results.test.ts).
  const before = [
    'relu-resnet20-fashion-mnist-s1-4acad6afc2ff',
    'swish-resnet20-fashion-mnist-s1-2d20dfce0bd5',
    'ash-resnet20-fashion-mnist-s1-e86842ebea81',
    'relu-resnet20-fashion-mnist-s2-9ec3f5b4763c',
    'swish-resnet20-fashion-mnist-s2-674387b07da3',
    'ash-resnet20-fashion-mnist-s2-b7b937b2880e',
  ];
  const ids = (set: string[] = []) => expandJobs(loadSweepConfig('configs/smoke.yaml', { set }).config).map((j) => j.id);
  assert.deepEqual(ids(), before);
  assert.deepEqual(ids(['train.augment.kind=pad-crop']), before);
  assert.deepEqual(ids(['train.augment.scale=[0.2,1]']), before, 'random-resized-crop settings do not touch pad-crop jobs');
  const rrc = ids(['train.augment.kind=random-resized-crop']);
  rrc.forEach((id, i) => assert.notEqual(id, before[i]));
  assert.deepEqual(ids(['train.augment.kind=random-resized-crop', 'train.augment.scale=[0.08,1]']), rrc, "torchvision's defaults spelled out");
  // On an image folder the default kind and the same kind named are one job.
  const folder = configFile([]);
  const folderIds = (set: string[]) => expandJobs(loadSweepConfig(folder, { set }).config).map((j) => j.id);
  assert.deepEqual(folderIds(['train.augment.kind=random-resized-crop']).slice(1, 3), folderIds([]).slice(1, 3));
});

test('ash train --augment: auto, a kind, none / --no-augment, and unknown names', () => {
  // ash train is a one-job sweep: the flag becomes train.augment, resolved for the dataset as a sweep resolves it.
  const parseAugmentArg = (augment: string | boolean, dataset: string) =>
    trainJob({ dataset, model: 'resnet20', activation: 'relu', seed: '1', out: 'runs/x', backend: 'wasm', stream: false, augment }).spec.train.augment;
  assert.deepEqual(parseAugmentArg('auto', 'imagefolder'), RRC_DEFAULT);
  assert.deepEqual(parseAugmentArg('auto', 'cifar10'), { crop: 4, flip: true });
  assert.deepEqual(parseAugmentArg('pad-crop', 'tiny-imagenet'), { crop: 4, flip: true });
  assert.deepEqual(parseAugmentArg('random-resized-crop', 'fashion-mnist'), RRC_DEFAULT);
  assert.deepEqual(parseAugmentArg('none', 'imagefolder'), { crop: 0, flip: false });
  assert.deepEqual(parseAugmentArg(false, 'imagefolder'), { crop: 0, flip: false });
  assert.throws(
    () => parseAugmentArg('rrc', 'imagefolder'),
    (err: unknown) => err instanceof UserError && err.message === "unknown augmentation 'rrc'. Valid augmentations: auto, none, pad-crop, random-resized-crop",
  );
  // Through the built CLI: a user error, exit 2, before any data is read.
  const r = spawnSync(process.execPath, [CLI, 'train', '--augment', 'flip-only', '--out', mkdtempSync(join(tmpdir(), 'ash-augment-')), '--backend', 'wasm'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown augmentation 'flip-only'\. Valid augmentations: auto, none, pad-crop, random-resized-crop/);
});
