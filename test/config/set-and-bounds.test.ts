// --set paths that would reach Object.prototype, negative list indices, and values far outside any
// sane experiment are config problems (exit 2 from the CLI), not silently applied or ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSweepConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { tempDir } from '../runner/helpers.js';

function config(body: string): string {
  const file = join(tempDir('ash-bounds-'), 'sweep.yaml');
  writeFileSync(file, `name: b\nbackend: cpu\ngrid: { activation: [relu, ash], model: [resnet20], dataset: [fashion-mnist] }\nseeds: [1, 2]\n${body}`);
  return file;
}

/** The problem lines of a ConfigError (one `WHERE  PATH  MESSAGE` per line). */
function problems(file: string, set: string[] = []): string {
  try {
    loadSweepConfig(file, { set });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '(valid)';
}

test('--set __proto__ / constructor / prototype paths are refused and Object.prototype stays clean', () => {
  const file = config('');
  for (const set of ['__proto__.polluted=1', 'constructor.prototype.polluted=1', 'train.__proto__.polluted=1', 'train={__proto__: {polluted: 1}}']) {
    assert.match(problems(file, [set]), /__proto__|constructor|prototype/, set);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, set);
  }
  assert.match(problems(file, ['__proto__.polluted=1']), /--set:__proto__\.polluted=1 {2}__proto__\.polluted {2}.*not allowed/);
});

test('--set with a negative or past-the-end list index is an error, not ignored', () => {
  const file = config('');
  assert.match(problems(file, ['seeds.-1=3']), /--set:seeds\.-1=3 {2}seeds\.-1 {2}.*list index/);
  assert.match(problems(file, ['seeds.5=3']), /--set:seeds\.5=3 {2}seeds\.5 {2}.*list index/);
  // Replacing an entry and appending one right after the end still work.
  assert.deepEqual(loadSweepConfig(file, { set: ['seeds.0=7', 'seeds.2=9'] }).config.seeds, [7, 2, 9]);
});

test('upper bounds: epochs, batch size, seeds (value and count), total jobs', () => {
  assert.match(problems(config('train: { epochs: 1000000000000 }\n')), /train\.epochs {2}.*10000/);
  assert.equal(problems(config('train: { epochs: 10000 }\n')), '(valid)');
  assert.match(problems(config('train: { batchSize: 100000 }\n')), /train\.batchSize {2}.*65536/);
  assert.match(problems(config(''), ['seeds=[4294967303]']), /seeds\.0 {2}.*4294967295/);
  assert.equal(problems(config(''), ['seeds=[4294967295]']), '(valid)');
  const many = `[${Array.from({ length: 1001 }, (_, i) => i).join(', ')}]`;
  assert.match(problems(config(''), [`seeds=${many}`]), /seeds {2}.*at most 1000 seeds/);
  // 2 activations x 1 model x 1 dataset x 1000 seeds = 2000 jobs is fine; a grid over the cap is not.
  const thousand = `[${Array.from({ length: 1000 }, (_, i) => i).join(', ')}]`;
  assert.equal(problems(config(''), [`seeds=${thousand}`]), '(valid)');
  const acts = `[${Array.from({ length: 30 }, (_, i) => `{ name: relu, label: r${i} }`).join(', ')}]`;
  assert.match(problems(config(''), [`seeds=${thousand}`, `grid.activation=${acts}`]), /grid {2}.*30 activations x 1 model x 1 dataset x 1000 seeds = 30000 jobs; at most 20000/);
});
