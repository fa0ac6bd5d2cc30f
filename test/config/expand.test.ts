// Grid expansion: job counts and order, ids hashed from the normalised spec (checked against a
// hash computed here independently), the seed inside the spec, overrides and --set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSweepConfig } from '../../src/config/load.js';
import { expandJobs, describeGrid } from '../../src/config/expand.js';
import { jobIdOf } from '../../src/contract/spec.js';
import type { JobSpec } from '../../src/config/expand.js';

/** JSON with keys sorted, written without the contract's canonicalize. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function expectedId(spec: JobSpec): string {
  // The identity: neither the sweep, the label (a row name) nor where the data lives (dataDir, stream).
  const { sweep: _sweep, label: _label, data, ...rest } = spec;
  const { dataDir: _dir, stream: _stream, ...limits } = data;
  const hash = createHash('sha256').update(sortedJson({ ...rest, data: limits })).digest('hex').slice(0, 12);
  return `${spec.label.toLowerCase()}-${spec.model}-${spec.dataset}-s${spec.seed}-${hash}`;
}

test('smoke: 3 activations x 1 model x 1 dataset x 2 seeds, seeds varying slowest', () => {
  const { config } = loadSweepConfig('configs/smoke.yaml');
  const jobs = expandJobs(config);
  assert.equal(jobs.length, 6);
  assert.equal(describeGrid(config), '3 activations x 1 model x 1 dataset x 2 seeds = 6 jobs');
  assert.deepEqual(jobs.map((j) => `${j.spec.label}/${j.spec.seed}`), ['relu/1', 'swish/1', 'ASH/1', 'relu/2', 'swish/2', 'ASH/2']);
  assert.equal(new Set(jobs.map((j) => j.id)).size, 6);
  for (const job of jobs) {
    assert.equal(job.id, expectedId(job.spec));
    assert.equal(job.spec.sweep, 'smoke');
    assert.equal(job.spec.backend, 'auto');
  }
  const ash = jobs[2]!.spec;
  // The activation carries its options with the registry's defaults filled in.
  assert.equal(ash.activation.name, 'ash');
  assert.equal(ash.activation.k, 0.5);
  assert.equal(ash.activation.alpha, 1);
  assert.equal(ash.activation.label, undefined);
  // Keys are sorted at every depth (the canonical form is what spec.json holds).
  assert.deepEqual(Object.keys(ash), [...Object.keys(ash)].sort());
  assert.deepEqual(Object.keys(ash.train.optimizer), [...Object.keys(ash.train.optimizer)].sort());
});

test('ids are stable: key order and spelled-out defaults do not change them; the seed and every setting do', () => {
  const base = expandJobs(loadSweepConfig('configs/smoke.yaml').config);
  const spelledOut = expandJobs(
    loadSweepConfig('configs/smoke.yaml', {
      set: ['retries=3', 'grid.activation.2.alpha=1', 'grid.activation.2.stats=sample', 'timeoutMinutes=5', 'name=renamed'],
    }).config,
  );
  assert.deepEqual(spelledOut.map((j) => j.id), base.map((j) => j.id), 'retries, timeout, the sweep name and default values are not part of the id');
  const reordered = join(mkdtempSync(join(tmpdir(), 'ash-expand-')), 'reordered.yaml');
  writeFileSync(
    reordered,
    [
      'data: { testLimit: 500, trainLimit: 2000 }',
      'train: { schedule: cosine, augment: { flip: true, crop: 4 }, bnMomentum: 0.9, epochs: 2,',
      '  optimizer: { weightDecay: 0.0005, nesterov: true, momentum: 0.9, lr: 0.1 } }',
      'seeds: [1, 2]',
      'grid:',
      '  dataset: [fashion-mnist]',
      '  model: [resnet20]',
      '  activation: [relu, swish, { label: ASH, k: 0.5, name: ash }]',
      'name: smoke',
    ].join('\n'),
  );
  assert.deepEqual(expandJobs(loadSweepConfig(reordered).config).map((j) => j.id), base.map((j) => j.id), 'key order does not matter');
  const seed3 = expandJobs(loadSweepConfig('configs/smoke.yaml', { set: ['seeds=[3]'] }).config);
  assert.equal(seed3[0]!.spec.seed, 3);
  assert.notEqual(seed3[0]!.id, base[0]!.id);
  assert.match(seed3[0]!.id, /^relu-resnet20-fashion-mnist-s3-[0-9a-f]{12}$/);
  const longer = expandJobs(loadSweepConfig('configs/smoke.yaml', { set: ['train.epochs=3'] }).config);
  assert.equal(longer[0]!.spec.train.epochs, 3);
  assert.notEqual(longer[0]!.id, base[0]!.id);
  assert.equal(jobIdOf(longer[0]!.spec), longer[0]!.id);
});

test('overrides apply per dataset, then per model, key by key', () => {
  const { config } = loadSweepConfig('configs/examples/overrides.yaml');
  const jobs = expandJobs(config);
  assert.equal(jobs.length, 2 * 2 * 2 * 2);
  const cell = (model: string, dataset: string) => jobs.find((j) => j.spec.model === model && j.spec.dataset === dataset && j.spec.seed === 1)!.spec;
  assert.deepEqual([cell('resnet20', 'fashion-mnist').train.batchSize, cell('resnet20', 'fashion-mnist').train.optimizer.lr], [128, 0.1]);
  assert.deepEqual([cell('resnet56', 'fashion-mnist').train.batchSize, cell('resnet56', 'fashion-mnist').train.optimizer.lr], [64, 0.05]);
  assert.equal(cell('resnet56', 'fashion-mnist').train.optimizer.momentum, 0.9, 'untouched keys stay');
  assert.equal(cell('resnet20', 'mnist').train.augment.flip, false);
  assert.equal(cell('resnet20', 'mnist').train.augment.crop, 4);
  assert.deepEqual(cell('resnet56', 'mnist').data, { dataDir: 'data/mnist' });
  assert.deepEqual(cell('resnet20', 'fashion-mnist').data, {});
  assert.equal(cell('resnet20', 'fashion-mnist').train.epochs, 10);
});
