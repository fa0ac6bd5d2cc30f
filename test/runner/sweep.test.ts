// A whole sweep with the fake job process: the table and exit code, resuming (finished jobs are not
// run again, failed ones are), --dry-run writing nothing, and the one-sweep-per-directory lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { nativeThreadsPerJob, parseGpuList } from '../../src/runner/sweep.js';
import { UserError } from '../../src/engine/errors.js';
import { sweepWithFakeJob as sweep, tempDir, writeSweep } from './helpers.js';


test('a sweep runs every job, prints the table, and a re-run runs only what did not finish', async () => {
  const dir = tempDir();
  const file = writeSweep(dir, 'resume', ['ok', 'diverge', 'crash'], [1, 2], 1, 'retries: 0\n');
  const out = join(dir, 'results');
  const first = await sweep({ file, out, jobs: 2 });
  assert.equal(first.exitCode, 1, 'a failed job makes the exit code 1');
  assert.equal(first.results.size, 6);
  // One table: the report's, mean ± 95% CI of the primary metric, with the diverged and failed runs counted.
  assert.match(first.text, /\| ok \| \*\*51\.50 ± 6\.35\*\* \|/);
  assert.match(first.text, /\| crash \| — ± — \(n=0, 2 failed\) \|/);
  assert.equal(first.text.match(/\| Activation \|/g)?.length, 1, 'the results table is printed once');
  assert.match(first.text, /6 results: 2 ok, 2 diverged, 2 failed \(0 from earlier runs\)/);
  const sweepDir = join(out, 'resume');
  assert.ok(existsSync(join(sweepDir, 'sweep.json')));
  assert.ok(!existsSync(join(sweepDir, '.sweep.lock')), 'the lock is released');
  const okJob = first.plan.jobs.find((j) => j.spec.label === 'ok')!;
  const okResult = readFileSync(join(okJob.dir, 'result.json'), 'utf8');

  const second = await sweep({ file, out, jobs: 2 });
  assert.deepEqual(second.plan.done.map((j) => j.spec.label).sort(), ['diverge', 'diverge', 'ok', 'ok']);
  assert.deepEqual(second.plan.toRun.map((j) => j.state), ['retry', 'retry']);
  assert.equal(readFileSync(join(okJob.dir, 'result.json'), 'utf8'), okResult, 'a finished job is not run again');
  assert.match(second.text, /6 results: 2 ok, 2 diverged, 2 failed \(4 from earlier runs\)/);
  assert.equal(readdirSync(sweepDir).filter((f) => f.startsWith('ok-')).length, 2);
});

test('all jobs ok or diverged: exit 0; --dry-run lists jobs and writes nothing', async () => {
  const dir = tempDir();
  const file = writeSweep(dir, 'fine', ['ok', 'diverge'], [1]);
  const out = join(dir, 'results');
  const dry = await sweep({ file, out, dryRun: true });
  assert.equal(dry.exitCode, 0);
  assert.ok(!existsSync(out), 'a dry run writes nothing');
  assert.match(dry.text, /2 jobs; 0 already finished, 2 to run/);
  assert.match(dry.text, /todo +ok-resnet20-fashion-mnist-s1-[0-9a-f]{12}/);
  const run = await sweep({ file, out });
  assert.equal(run.exitCode, 0);
  const again = await sweep({ file, out, dryRun: true });
  assert.match(again.text, /2 already finished, 0 to run/);
  assert.match(again.text, /done +diverge-resnet20/);
});

test('one sweep per results directory; a lock left by a dead process is taken over', async () => {
  const dir = tempDir();
  const file = writeSweep(dir, 'locked', ['ok'], [1]);
  const out = join(dir, 'results');
  await sweep({ file, out });
  const lock = join(out, 'locked', '.sweep.lock');
  writeFileSync(lock, String(process.ppid));
  await assert.rejects(sweep({ file, out }), (err: unknown) => err instanceof UserError && /another sweep \(pid \d+\) is running/.test(err.message));
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(lock, String(dead));
  const taken = await sweep({ file, out });
  assert.equal(taken.exitCode, 0);
  assert.ok(!existsSync(lock));
});

test('--gpus and --jobs are checked', async () => {
  assert.deepEqual(parseGpuList('0,1, 3'), ['0', '1', '3']);
  assert.throws(() => parseGpuList('0,,1'), /expected a comma-separated list of GPU indices/);
  const dir = tempDir();
  const file = writeSweep(dir, 'jobs', ['ok'], [1]);
  await assert.rejects(sweep({ file, out: join(dir, 'r'), jobs: 0 }), /--jobs 0: expected a whole number >= 1/);
});

test('each job gets its share of the cores for native kernels, unless the user set ASH_NATIVE_THREADS', () => {
  const cores = availableParallelism();
  assert.deepEqual(nativeThreadsPerJob(1, {}), { ASH_NATIVE_THREADS: String(cores) });
  assert.deepEqual(nativeThreadsPerJob(cores, {}), { ASH_NATIVE_THREADS: '1' });
  assert.deepEqual(nativeThreadsPerJob(cores * 4, {}), { ASH_NATIVE_THREADS: '1' }, 'never below one thread');
  assert.deepEqual(nativeThreadsPerJob(2, { ASH_NATIVE_THREADS: '3' }), {}, "the user's value is inherited as it is");
});
