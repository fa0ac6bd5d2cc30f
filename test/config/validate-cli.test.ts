// `ash validate` as a user runs it (the built CLI): exit 0 and a one-line summary for a valid config;
// exit 2 and one `FILE:LINE:COL  field  problem` line per mistake otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const CLI = resolve('dist/cli/main.js');
const skip = existsSync(CLI) ? false : `${CLI} is missing: run npm run build`;

function validate(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'validate', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a valid config: exit 0, the grid size, and the job ids with --list', { skip }, () => {
  // --no-preflight: the config alone (its mnist folder need not exist on this machine).
  const r = validate('configs/examples/overrides.yaml', '--list', '--no-preflight');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^configs\/examples\/overrides\.yaml: valid \(extends configs\/base\.yaml\): sweep overrides-example, 2 activations x 2 models x 2 datasets x 2 seeds = 16 jobs\n/);
  assert.equal(r.stdout.trim().split('\n').length, 1 + 16);
});

test('an invalid config: exit 2 and every problem on its own line', { skip }, () => {
  const file = 'test/config/fixtures/invalid/many-mistakes.yaml';
  const r = validate(file, '--set', 'train.epochs=-1');
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines[0], `ash: ${file}: 7 problems`);
  assert.deepEqual(
    lines.slice(1).map((l) => l.split('  ').slice(0, 2).join('  ')),
    [
      `${file}:9:1  backnd`,
      `${file}:11:16  grid.activation.0.name`,
      `${file}:12:10  grid.model`,
      `${file}:15:21  train.batchSize`,
      `${file}:17:15  data.trainLimit`,
      `${file}:18:10  retries`,
      '--set:train.epochs=-1  train.epochs',
    ],
  );
});
