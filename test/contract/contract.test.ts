// The one contract of spec.json and result.json: schema-1 files upgraded on read, identity that ignores where a
// run is shown and where its data lives, and the defaults the schema owns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RECIPE, JobSpecSchema, identityHash, jobIdOf, parseResult, upgradeEpochRecord, type JobSpec } from '../../src/contract/index.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'legacy-results');

function spec(overrides: Partial<JobSpec> = {}): JobSpec {
  return JobSpecSchema.parse({
    sweep: 's',
    label: 'ReLU',
    activation: { name: 'relu' },
    model: 'resnet20',
    dataset: 'fashion-mnist',
    seed: 1,
    backend: 'wasm',
    train: { ...DEFAULT_RECIPE, augment: { crop: 4, flip: true } },
    data: { trainLimit: 64 },
    ...overrides,
  });
}

test('the recipe defaults live in the schema: the CIFAR recipe', () => {
  assert.deepEqual(DEFAULT_RECIPE, {
    epochs: 2,
    batchSize: 128,
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
    schedule: 'cosine',
    bnMomentum: 0.9,
    augment: { crop: 4, flip: true },
  });
  assert.equal(spec().task, 'classification', 'a spec without a task (schema 1) is a classification run');
});

test('identity: label, sweep, data.dataDir and data.stream change nothing; anything that changes results does', () => {
  const base = identityHash(spec());
  assert.equal(identityHash(spec({ label: 'relu (renamed)' })), base);
  assert.equal(identityHash(spec({ sweep: 'other' })), base);
  assert.equal(identityHash(spec({ data: { trainLimit: 64, dataDir: '/mnt/elsewhere', stream: true } })), base);
  assert.notEqual(identityHash(spec({ seed: 2 })), base);
  assert.notEqual(identityHash(spec({ data: { trainLimit: 65 } })), base);
  assert.notEqual(identityHash(spec({ train: { ...spec().train, optimizer: { ...spec().train.optimizer, lr: 0.05 } } })), base);
  assert.notEqual(identityHash(spec({ task: 'segmentation' })), base);
  // The folder name keeps the label for reading, and ends in the identity hash.
  assert.equal(jobIdOf(spec()), `relu-resnet20-fashion-mnist-s1-${base}`);
});

test('a schema-1 result.json (as the runner wrote it before schema 2) is read as schema 2', () => {
  const file = join(FIXTURE, 'legacy', 'ash-resnet20-fashion-mnist-s1-a2b11b6a2320', 'result.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { metrics: Record<string, number>; history: Record<string, unknown>[] };
  const parsed = parseResult(raw);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const result = parsed.result;
  assert.equal(result.schema, 2);
  assert.equal(result.task, 'classification');
  assert.equal(result.primaryMetric, 'top1');
  assert.deepEqual(result.metrics, raw.metrics);
  assert.equal(result.spec.task, 'classification');
  // Epoch records: the metrics move under `metrics`, the common fields stay.
  const [first] = raw.history;
  assert.deepEqual(result.history[0]!.metrics, { valLoss: first!.valLoss, top1: first!.top1, top5: first!.top5 });
  assert.equal(result.history[0]!.trainLoss, first!.trainLoss);
  assert.equal(result.history[0]!.ash!.length, 19);
  assert.deepEqual(upgradeEpochRecord({ epoch: 1, trainLoss: 2, lr: 0.1, seconds: 1, miou: 40 }), { epoch: 1, trainLoss: 2, lr: 0.1, seconds: 1, metrics: { miou: 40 } });
});

test('the old `ash train` output (no schema) is read as a run of sweep "train"; absurd metrics and newer schemas are refused', () => {
  const raw = JSON.parse(readFileSync(join(FIXTURE, 'train-swish', 'result.json'), 'utf8')) as Record<string, unknown>;
  const parsed = parseResult(raw);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  assert.equal(parsed.result.spec.sweep, 'train');
  assert.equal(parsed.result.spec.label, 'swish');
  assert.equal(parsed.result.jobId, jobIdOf(parsed.result.spec));
  const v1 = JSON.parse(readFileSync(join(FIXTURE, 'legacy', 'relu-resnet20-fashion-mnist-s1-50b23f3f225f', 'result.json'), 'utf8')) as Record<string, unknown>;
  const absurd = parseResult({ ...v1, metrics: { top1: 1e308, top5: 1, valLoss: 1 } });
  assert.ok(!absurd.ok && /field 'metrics\.top1'/.test(absurd.message));
  const newer = parseResult({ ...v1, schema: 3 });
  assert.ok(!newer.ok && /^schema 3; this version of ash-bench reads result\.json schemas 1 and 2/.test(newer.message));
});
