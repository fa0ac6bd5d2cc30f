// Loading valid configs: defaults, extends (deep merge), YAML anchors, --set overrides and where
// their problems are reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSweepConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { applySet, deepMerge, parseSet } from '../../src/config/merge.js';
import { DEFAULT_RECIPE } from '../../src/contract/recipe.js';

const FIXTURES = 'test/config/fixtures';

function problemsOf(file: string, set: string[] = []): ConfigError['problems'] {
  try {
    loadSweepConfig(file, { set });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail(`${file} was accepted`);
}

test('every shipped config and valid fixture validates', () => {
  const files = [
    ...readdirSync('configs').filter((f) => f.endsWith('.yaml')).map((f) => join('configs', f)),
    ...readdirSync('configs/examples').map((f) => join('configs/examples', f)),
    ...readdirSync('configs/paper').map((f) => join('configs/paper', f)),
    ...readdirSync(`${FIXTURES}/valid`).map((f) => join(FIXTURES, 'valid', f)),
  ];
  assert.ok(files.length >= 7);
  for (const file of files) assert.doesNotThrow(() => loadSweepConfig(file), `${file} should be valid`);
});

test('a minimal config gets the documented defaults', () => {
  const { config } = loadSweepConfig(`${FIXTURES}/valid/minimal.yaml`);
  assert.deepEqual(config.train, DEFAULT_RECIPE);
  assert.equal(config.backend, 'auto');
  assert.equal(config.retries, 1);
  assert.equal(config.timeoutMinutes, undefined);
  assert.deepEqual(config.data, {});
  assert.deepEqual(config.seeds, [7]);
  assert.deepEqual(config.grid.activation, [{ name: 'relu', label: undefined, options: {} }]);
});

test('extends: lists replace, mappings merge key by key, null removes a base value', () => {
  const loaded = loadSweepConfig(`${FIXTURES}/valid/extends-child.yaml`);
  const { config } = loaded;
  assert.deepEqual(loaded.files, [`${FIXTURES}/bases/good-base.yaml`, `${FIXTURES}/valid/extends-child.yaml`]);
  assert.equal(config.name, 'child');
  assert.deepEqual(config.grid.activation.map((a) => a.label ?? a.name), ['ASH']);
  assert.equal(config.grid.activation[0]!.options.k, 0.25);
  assert.deepEqual(config.grid.model, ['resnet20']);
  assert.deepEqual(config.seeds, [5]);
  assert.equal(config.train.epochs, 20);
  assert.equal(config.train.batchSize, 64);
  assert.equal(config.train.optimizer.lr, 0.2);
  assert.equal(config.train.optimizer.momentum, 0.8);
  assert.equal(config.train.optimizer.nesterov, DEFAULT_RECIPE.optimizer.nesterov);
  assert.deepEqual(config.data, { testLimit: 200 });
});

test('YAML anchors and merge keys are resolved', () => {
  const { config } = loadSweepConfig(`${FIXTURES}/valid/anchors.yaml`);
  assert.deepEqual(config.overrides?.model?.resnet32?.train, { epochs: 3, optimizer: { lr: 0.05 }, batchSize: 64 });
  assert.equal(config.train.epochs, 3);
});

test('--set overrides values (parsed as YAML) before validation', () => {
  const { config } = loadSweepConfig('configs/smoke.yaml', {
    set: ['train.epochs=5', 'grid.model=[resnet20, resnet32]', 'grid.activation.2.k=0.25', 'data.trainLimit=null', 'name=smoke-b'],
  });
  assert.equal(config.train.epochs, 5);
  assert.deepEqual(config.grid.model, ['resnet20', 'resnet32']);
  assert.equal(config.grid.activation[2]!.options.k, 0.25);
  assert.equal(config.data.trainLimit, undefined);
  assert.equal(config.data.testLimit, 500);
  assert.equal(config.name, 'smoke-b');
});

test('a bad --set value is reported against the --set, not the file line it replaced', () => {
  const problems = problemsOf('configs/smoke.yaml', ['train.epochs=zero', 'grid.activation.2.k=3', 'seeds', 'train.epoch=4']);
  const byPath = new Map(problems.map((p) => [p.path, p]));
  assert.equal(byPath.get('train.epochs')?.where, '--set:train.epochs=zero');
  assert.match(byPath.get('train.epochs')!.message, /got the string "zero" \(expected a number\)/);
  assert.equal(byPath.get('grid.activation.2.k')?.where, '--set:grid.activation.2.k=3');
  assert.equal(byPath.get('seeds')?.where, '--set:seeds');
  assert.match(byPath.get('seeds')!.message, /expected key\.path=value/);
  assert.equal(byPath.get('train.epoch')?.where, '--set:train.epoch=4');
  assert.match(byPath.get('train.epoch')!.message, /did you mean 'epochs'/);
  assert.equal(problems.length, 4);
});

test('an extends cycle and a missing file are problems with positions, not crashes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ash-config-'));
  writeFileSync(join(dir, 'a.yaml'), 'extends: b.yaml\nname: a\n');
  writeFileSync(join(dir, 'b.yaml'), 'name: b\nextends: a.yaml\n');
  const cycle = problemsOf(join(dir, 'a.yaml'));
  assert.equal(cycle.length, 1);
  assert.equal(cycle[0]!.path, 'extends');
  assert.match(cycle[0]!.where, /b\.yaml:2:10$/);
  assert.match(cycle[0]!.message, /extends itself/);

  const missing = problemsOf(join(dir, 'nope.yaml'));
  assert.equal(missing.length, 1);
  assert.match(missing[0]!.message, /does not exist/);

  writeFileSync(join(dir, 'empty.yaml'), '# nothing here\n');
  assert.match(problemsOf(join(dir, 'empty.yaml'))[0]!.message, /the file is empty/);
});

test('deepMerge and applySet follow the documented rules', () => {
  assert.deepEqual(deepMerge({ a: { x: 1, y: 2 }, l: [1, 2], k: 1 }, { a: { y: 3 }, l: [9], k: null }), { a: { x: 1, y: 3 }, l: [9] });
  const target: Record<string, unknown> = { grid: { activation: ['relu', { name: 'ash', k: 0.5 }] } };
  applySet(target, parseSet('grid.activation.1.k=0.1') as never);
  applySet(target, parseSet('train.optimizer.lr=1e-3') as never);
  assert.deepEqual(target, { grid: { activation: ['relu', { name: 'ash', k: 0.1 }] }, train: { optimizer: { lr: 0.001 } } });
  assert.equal(typeof parseSet('=3'), 'string');
  assert.equal(typeof parseSet('a..b=3'), 'string');
  assert.deepEqual(parseSet('seeds=[1, 2]'), { raw: 'seeds=[1, 2]', path: ['seeds'], value: [1, 2] });
});

test('patterned model names (wrn<depth>-<width>[-drop<rate>]) are valid; a bad depth is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ash-cfg-'));
  const file = join(dir, 'wrn.yaml');
  writeFileSync(file, 'name: w\ngrid: { activation: [relu], model: [wrn16-4-drop0.3, efficientnet-w0.25-d0.25], dataset: [fashion-mnist] }\nseeds: [1]\n');
  assert.deepEqual(loadSweepConfig(file).config.grid.model, ['wrn16-4-drop0.3', 'efficientnet-w0.25-d0.25']);
  writeFileSync(file, 'name: w\ngrid: { activation: [relu], model: [wrn17-1], dataset: [fashion-mnist] }\nseeds: [1]\n');
  const problems = problemsOf(file);
  assert.equal(problems.length, 1);
  assert.match(JSON.stringify(problems[0]), /unknown model 'wrn17-1'/);
});
