// Before any job starts: the backend must be installed and every dataset's files present and readable
// (validate and a local sweep both check). A job that exits 2 (a user error: bad data, bad spec) is not
// retried, and the end-of-sweep summary shows its cause, not just "exit code 2".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { isInstalled } from '../../src/engine/backend.js';
import { runSweep } from '../../src/runner/sweep.js';
import { writeMnistFixture } from '../helpers/idx-fixtures.js';
import { sweepWithFakeJob, tempDir, writeSweep } from './helpers.js';

const CLI = resolve('dist/cli/main.js');
const skip = existsSync(CLI) ? false : `${CLI} is missing: run npm run build`;

function sweepFile(dir: string, backend: string, dataDir: string): string {
  const file = join(dir, 'pre.yaml');
  writeFileSync(file, `name: pre\nbackend: ${backend}\ngrid: { activation: [relu], model: [resnet20], dataset: [mnist] }\nseeds: [1, 2]\ndata: { dataDir: ${dataDir} }\n`);
  return file;
}

test('validate: a dataset whose files are missing is exit 2, one line naming the dataset and folder', { skip }, () => {
  const dir = tempDir();
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const r = spawnSync(process.execPath, [CLI, 'validate', sweepFile(dir, 'cpu', empty)], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stdout);
  assert.match(r.stderr, new RegExp(`^ash: .*pre\\.yaml: cannot run: mnist: ${empty} lacks train-images-idx3-ubyte\\[\\.gz\\]`));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  // With the data in place the same config is valid; --no-preflight checks the config alone.
  writeMnistFixture(empty, { gzip: false, train: 4, test: 2 });
  assert.equal(spawnSync(process.execPath, [CLI, 'validate', sweepFile(dir, 'cpu', empty)], { encoding: 'utf8' }).status, 0);
  assert.equal(spawnSync(process.execPath, [CLI, 'validate', sweepFile(dir, 'cpu', join(dir, 'nope')), '--no-preflight'], { encoding: 'utf8' }).status, 0);
});

test('validate: a backend whose package is not installed is exit 2 naming the package', { skip: skip || (isInstalled('@tensorflow/tfjs-node') && 'tfjs-node is installed here') }, () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  writeMnistFixture(data, { gzip: false, train: 4, test: 2 });
  const r = spawnSync(process.execPath, [CLI, 'validate', sweepFile(dir, 'tensorflow', data)], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stdout);
  assert.match(r.stderr, /cannot run: backend 'tensorflow' needs the package @tensorflow\/tfjs-node, which is not installed/);
});

test('a local sweep with a dataset missing stops before starting any job', async () => {
  const dir = tempDir();
  const out = join(dir, 'results');
  await assert.rejects(
    runSweep({ file: sweepFile(dir, 'cpu', join(dir, 'nope')), out, progress: 'json' }, { write: () => true } as unknown as NodeJS.WritableStream),
    (err: unknown) => err instanceof UserError && /cannot run: mnist: /.test(err.message),
  );
  assert.deepEqual(existsSync(join(out, 'pre')) ? readdirSync(join(out, 'pre')) : [], [], 'no job folder was made');
});

test('a job that exits 2 is not retried, and the summary gives its cause', async () => {
  const dir = tempDir();
  const file = writeSweep(dir, 'usr', ['usererror'], [1], 1, 'retries: 3\n');
  const outcome = await sweepWithFakeJob({ file, out: join(dir, 'results') });
  const [result] = [...outcome.results.values()];
  assert.equal(result!.status, 'failed');
  assert.equal(result!.attempts, 1, 'a user error is not retried');
  assert.match(outcome.text, /failed: usererror-resnet20-fashion-mnist-s1-[0-9a-f]{12}: job process exited with code 2: ash: fashion-mnist: no data found; looked in \/nowhere \(see /);
});
