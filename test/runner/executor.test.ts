// The executor with a fake job process (test/runner/fixtures/fake-job.mjs) standing in for `ash job`:
// retries of crashed and killed jobs, timeouts of hung ones, diverged jobs never retried, one GPU per
// slot, and never more processes than slots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { executeJobs, type RunnerEvent } from '../../src/runner/executor.js';
import { readResult } from '../../src/runner/result.js';
import { FAKE_JOB, planFor, tempDir, writeSweep } from './helpers.js';

test('crash, kill, hang, divergence and success each end as they should', async () => {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'mix', ['ok', 'diverge', 'crash', 'flaky', 'hang']), dir);
  const events: RunnerEvent[] = [];
  let running = 0;
  let maxRunning = 0;
  const results = await executeJobs(plan.toRun, {
    slots: 2,
    gpus: ['3', '5'],
    retries: 1,
    timeoutMs: 1500,
    command: FAKE_JOB,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'start') maxRunning = Math.max(maxRunning, ++running);
      // An attempt ends with 'attempt-failed', or with 'end' when it produced a result (a failed job's
      // 'end' comes after the 'attempt-failed' of its last attempt).
      if (e.type === 'attempt-failed' || (e.type === 'end' && e.result.status !== 'failed')) running--;
    },
  });
  const byLabel = new Map(results.map((r) => [r.spec.label, r]));
  const starts = (label: string) => events.filter((e) => e.type === 'start' && e.job.spec.label === label);

  assert.equal(byLabel.get('ok')!.status, 'ok');
  assert.equal(byLabel.get('ok')!.metrics.top1, 51);
  assert.equal(starts('ok').length, 1);

  assert.equal(byLabel.get('diverge')!.status, 'diverged');
  assert.equal(starts('diverge').length, 1, 'a diverged job is a result: never retried');

  const crash = byLabel.get('crash')!;
  assert.equal(crash.status, 'failed');
  assert.equal(starts('crash').length, 2, 'one start plus one retry');
  assert.equal(crash.attempts, 2);
  assert.match(crash.error!, /exited with code 3/);
  assert.match(crash.error!, /fake job: something broke in resnet20/, 'the stderr tail is kept');

  const flaky = byLabel.get('flaky')!;
  assert.equal(flaky.status, 'ok', 'killed on the first start, fine on the retry');
  assert.equal(flaky.attempts, 2);
  const flakyFailure = events.find((e) => e.type === 'attempt-failed' && e.job.spec.label === 'flaky');
  assert.match(flakyFailure && flakyFailure.type === 'attempt-failed' ? flakyFailure.error : '', /killed by SIGKILL/);

  const hang = byLabel.get('hang')!;
  assert.equal(hang.status, 'failed');
  assert.match(hang.error!, /timed out/);
  assert.equal(starts('hang').length, 2);

  // What is on disk is what the executor returned.
  for (const job of plan.toRun) {
    const onDisk = readResult(job.dir)!;
    assert.equal(onDisk.status, byLabel.get(job.spec.label)!.status);
    assert.equal(onDisk.jobId, job.id);
    assert.ok(!readdirSync(job.dir).some((f) => f.includes('.tmp-')), 'no temp files left');
  }

  // One GPU per slot: each start names the GPU of its slot, and the job saw it.
  for (const e of events) if (e.type === 'start') assert.equal(e.gpu, ['3', '5'][e.slot]);
  const okStart = starts('ok')[0]!;
  assert.equal(byLabel.get('ok')!.env.cuda, okStart.type === 'start' ? okStart.gpu : undefined);
  assert.equal(maxRunning, 2);
});

test('a pool of 3 slots never runs more than 3 jobs at once', async () => {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'pool', ['ok'], [1, 2, 3, 4, 5, 6, 7]), dir);
  let running = 0;
  let maxRunning = 0;
  const results = await executeJobs(plan.toRun, {
    slots: 3,
    retries: 0,
    command: FAKE_JOB,
    env: { FAKE_JOB_MS: '200' },
    onEvent: (e) => {
      if (e.type === 'start') maxRunning = Math.max(maxRunning, ++running);
      if (e.type === 'end') running--;
    },
  });
  assert.equal(maxRunning, 3);
  assert.deepEqual(results.map((r) => r.metrics.top1), [51, 52, 53, 54, 55, 56, 57], 'results come back in job order');
});
