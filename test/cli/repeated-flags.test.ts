// Flags given more than once, through the built CLI: the repeatable ones (--set, --sbatch, --metric)
// keep every value; any other flag given twice is an error (exit 2, one line), never "last one wins".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/cli/main.js');
const skip = existsSync(CLI) ? false : `${CLI} is missing: run npm run build`;
const CONFIG = 'configs/examples/overrides.yaml';

function ash(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('every --set is applied: an invalid first --set is caught whatever follows it', { skip }, () => {
  for (const sets of [
    ['--set', 'train.epochs=0', '--set', 'retries=1'],
    ['--set', 'retries=1', '--set', 'train.epochs=0'],
  ]) {
    const r = ash('validate', CONFIG, ...sets);
    assert.equal(r.status, 2, `${sets.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, /--set:train\.epochs=0 {2}train\.epochs/);
  }
});

test('every --sbatch reaches the SLURM script', { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'ash-repeat-'));
  const r = ash('sweep', CONFIG, '--executor', 'slurm', '--dry-run', '--out', out, '--sbatch=--account=abc', '--sbatch=--qos=high');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^#SBATCH --account=abc$/m);
  assert.match(r.stdout, /^#SBATCH --qos=high$/m);
});

test('a single-valued flag given twice: exit 2 and one line naming it', { skip }, () => {
  for (const args of [
    ['sweep', CONFIG, '--dry-run', '--jobs', '1', '--jobs', '2', '--out', mkdtempSync(join(tmpdir(), 'ash-repeat-'))],
    ['sweep', CONFIG, '--dry-run', '--out', mkdtempSync(join(tmpdir(), 'ash-repeat-')), '--out', mkdtempSync(join(tmpdir(), 'ash-repeat-'))],
    ['report', 'test/fixtures/legacy-results', '--format', 'md', '--format', 'csv'],
  ]) {
    const r = ash(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^ash: --(jobs|out|format) was given 2 times; it takes one value$/);
  }
});
