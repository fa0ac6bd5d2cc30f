// Ctrl-C in `ash sweep`: running jobs are stopped (SIGTERM) and waited for, nothing is recorded for them
// (no failed result, no retry), no new job starts, the lock is freed, exit code 130 and a one-line hint;
// the same command then runs exactly the jobs that had not finished. First with the fake job process
// in-process, then through the built CLI with a real SIGINT and real training processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { runSweep } from '../../src/runner/sweep.js';
import { FAKE_JOB, tempDir, writeSweep } from './helpers.js';

const resultsIn = (sweepDir: string) => readdirSync(sweepDir).filter((d) => existsSync(join(sweepDir, d, 'result.json')));
const locks = (sweepDir: string) => readdirSync(sweepDir).filter((f) => f.endsWith('.lock'));

test('an aborted sweep stops its jobs, records none of them, exits 130 and resumes with the same command', async () => {
  const dir = tempDir('ash-int-');
  // One slot: 'ok' finishes, then 'hang' starts and never ends by itself; the interrupt comes while it runs.
  const file = writeSweep(dir, 'int', ['ok', 'hang', 'hang2'].map((l) => l), [1]);
  // hang2 is not a fake-job behaviour: it must never start (an error if it did).
  const out = join(dir, 'results');
  const sweepDir = join(out, 'int');
  let stderr = '';
  const progress = new PassThrough();
  progress.on('data', (c: Buffer) => (stderr += c.toString()));
  const abort = new AbortController();
  const started: string[] = [];
  const outcome = await runSweep(
    {
      file,
      out,
      jobs: 1,
      command: {
        file: FAKE_JOB.file,
        args: (jobDir) => {
          started.push(jobDir);
          // Interrupt once the hanging job is up (its start is the second one) and the ok job has its result.
          if (started.length === 2) {
            const poll = setInterval(() => {
              if (resultsIn(sweepDir).length === 1) {
                clearInterval(poll);
                setTimeout(() => abort.abort(), 200);
              }
            }, 50);
          }
          return FAKE_JOB.args(jobDir);
        },
      },
      progress: 'json',
      progressStream: progress,
      signal: abort.signal,
    },
    new PassThrough().resume(),
  );
  assert.equal(outcome.exitCode, 130);
  assert.equal(started.length, 2, 'no job starts after the interrupt');
  assert.match(stderr, /^interrupted: 1\/3 done; run the same command again to resume$/m);
  assert.deepEqual(resultsIn(sweepDir).map((d) => d.split('-')[0]), ['ok'], 'only the finished job has a result: no failed record for the stopped one');
  assert.deepEqual(locks(sweepDir), []);
  assert.equal(outcome.results.size, 1);
  // The same command again would run exactly the two unfinished jobs.
  let text = '';
  const dry = new PassThrough();
  dry.on('data', (c: Buffer) => (text += c.toString()));
  await runSweep({ file, out, dryRun: true }, dry);
  assert.match(text, /1 already finished, 2 to run/);
});

const CLI = resolve('dist/cli/main.js');
const DATA = ['/usr/share/datasets/fashion-mnist', 'data/fashion-mnist'].find((d) => existsSync(join(d, 'train-labels-idx1-ubyte.gz')) || existsSync(join(d, 'train-labels-idx1-ubyte')));
const skip = !existsSync(CLI) ? `${CLI} is missing: run npm run build` : !DATA ? 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)' : false;

test('ash sweep + SIGINT: children stopped, exit 130, "interrupted: N/M done", no lock; the re-run finishes', { skip, timeout: 180_000 }, async () => {
  const dir = tempDir('ash-sigint-');
  const file = join(dir, 'sigint.yaml');
  // Long enough (many epochs of 64 images) that the SIGINT lands mid-training.
  writeFileSync(file, 'name: sigint\nbackend: wasm\ngrid: { activation: [relu, swish], model: [resnet20], dataset: [fashion-mnist] }\nseeds: [1]\ntrain: { epochs: 200, batchSize: 32 }\ndata: { trainLimit: 64, testLimit: 32 }\nretries: 2\n');
  const out = join(dir, 'results');
  const sweepDir = join(out, 'sigint');
  const child = spawn(process.execPath, [CLI, 'sweep', file, '--out', out, '--jobs', '2', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const epochs = new Promise<void>((resolveEpoch) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      // Both jobs are training once each has logged an epoch.
      if ((stderr.match(/"msg":"epoch"/g) ?? []).length >= 2) resolveEpoch();
    });
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await Promise.race([epochs, exited]);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stdout + stderr);
  assert.match(stderr, /^interrupted: 0\/2 done; run the same command again to resume$/m);
  assert.doesNotMatch(stderr, /attempt failed/, 'a stopped job is not a failure to retry');
  assert.deepEqual(resultsIn(sweepDir), []);
  assert.deepEqual(locks(sweepDir), []);
  // The job processes ended before the sweep did (it waited for them): none is left whose command line names the sweep folder.
  if (existsSync('/proc/self/cmdline')) {
    const alive = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(sweepDir) && !readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').startsWith('Z');
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, []);
  }
});
