// The end-of-sweep table and the progress views (ETA arithmetic, terminal rendering, JSON lines).
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { summarize, formatMissing } from '../../src/runner/summary.js';
import { ETA_SETTLE_JOBS, ETA_SETTLE_STEPS, SweepTracker, formatDuration, jsonView, terminalView } from '../../src/runner/progress.js';
import type { JobResult } from '../../src/runner/result.js';
import type { PlannedJob } from '../../src/runner/plan.js';
import { planFor, tempDir, writeSweep } from './helpers.js';

function result(job: PlannedJob, status: JobResult['status'], top1: number | null, top5: number | null = top1): JobResult {
  return {
    schema: 2,
    jobId: job.id,
    task: 'classification',
    primaryMetric: 'top1',
    status,
    spec: job.spec,
    metrics: { top1, top5, valLoss: null },
    history: [],
    env: {},
    startedAt: '',
    finishedAt: '',
  };
}

test('summary: one row per label x model x dataset with its jobs by status, missing ones named', () => {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'sum', ['relu', 'ASH'], [1, 2, 3]), dir);
  const [r1, a1, r2, a2, r3] = plan.jobs;
  const results = new Map([
    [r1!.id, result(r1!, 'ok', 80, 99)],
    [r2!.id, result(r2!, 'ok', 85, 98)],
    [r3!.id, result(r3!, 'diverged', null)],
    [a1!.id, result(a1!, 'ok', 90.5)],
    [a2!.id, result(a2!, 'failed', null)],
  ]);
  const rows = summarize(plan.jobs, results);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { label: 'relu', model: 'resnet20', dataset: 'fashion-mnist', n: 3, counts: { ok: 2, diverged: 1, failed: 0, missing: 0 } });
  assert.deepEqual(rows[1], { label: 'ASH', model: 'resnet20', dataset: 'fashion-mnist', n: 3, counts: { ok: 1, diverged: 0, failed: 1, missing: 1 } });
  assert.equal(formatMissing(rows), '  missing: 1 of 3 jobs of ASH x resnet20 x fashion-mnist');
  assert.equal(formatMissing([rows[0]!]), '');
});

test('ETA: none until the timings settle, then unstarted jobs at the mean job time plus what running jobs still need, over the slots', () => {
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const dir = tempDir();
    const plan = planFor(writeSweep(dir, 'eta', ['a', 'b', 'c', 'd']), dir);
    const [a, b] = plan.jobs;
    const tracker = new SweepTracker(plan, 2);
    assert.equal(tracker.etaSeconds(), undefined, 'nothing to go on yet');
    tracker.update({ type: 'start', job: a!, slot: 0, attempt: 1 });
    tracker.update({ type: 'start', job: b!, slot: 1, attempt: 1 });
    mock.timers.tick(1000);
    tracker.update({ type: 'message', job: a!, message: { type: 'step', epoch: 1, step: 5, steps: 100, loss: 1 } });
    assert.equal(tracker.etaSeconds(), undefined, `5 steps < ${ETA_SETTLE_STEPS}: mostly start-up time`);
    mock.timers.tick(3000);
    // a is half-way through its only epoch after 4 s (50 of 100 steps, the 50th step settles it): a job takes 8 s.
    // Pending c, d: 16 s; a, b: 4 s each to go; over 2 slots.
    tracker.update({ type: 'message', job: a!, message: { type: 'step', epoch: 1, step: 50, steps: 100, loss: 1 } });
    assert.equal(tracker.etaSeconds(), (16 + 4 + 4) / 2);
    mock.timers.tick(6000);
    tracker.update({ type: 'end', job: a!, result: result(a!, 'ok', 50) });
    // a took 10 s. Pending c, d: 20 s; b has run 10 s of 10: 0 s. Slots: min(2, 3 left).
    assert.equal(tracker.etaSeconds(), 20 / 2);
    assert.equal(tracker.done, 1);
    assert.equal(tracker.running.size, 1);
  } finally {
    mock.timers.reset();
  }
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatDuration(65), '1m05s');
  assert.equal(formatDuration(undefined), '?');
});

test(`ETA: after ${ETA_SETTLE_JOBS} finished jobs even without step messages`, () => {
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const dir = tempDir();
    const plan = planFor(writeSweep(dir, 'eta2', ['a', 'b', 'c']), dir);
    const [a, b] = plan.jobs;
    const tracker = new SweepTracker(plan, 1);
    tracker.update({ type: 'start', job: a!, slot: 0, attempt: 1 });
    mock.timers.tick(3000);
    tracker.update({ type: 'end', job: a!, result: result(a!, 'ok', 50) });
    assert.equal(tracker.etaSeconds(), undefined, 'one job is not a timing');
    tracker.update({ type: 'start', job: b!, slot: 0, attempt: 1 });
    mock.timers.tick(5000);
    tracker.update({ type: 'end', job: b!, result: result(b!, 'ok', 50) });
    // mean of 3 s and 5 s = 4 s for the one pending job, on one slot
    assert.equal(tracker.etaSeconds(), 4);
  } finally {
    mock.timers.reset();
  }
});

test('the terminal view shows counts and each running job\'s epoch; the JSON view logs job events', () => {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'view', ['relu', 'ASH'], [1], 3), dir);
  const [relu, ash] = plan.jobs;
  let text = '';
  const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 200, rows: 40, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
  tty.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const view = terminalView(plan, 2, tty as unknown as NodeJS.WriteStream);
  view.onEvent({ type: 'start', job: relu!, slot: 0, attempt: 1 });
  view.onEvent({ type: 'start', job: ash!, slot: 1, attempt: 1 });
  view.onEvent({ type: 'message', job: relu!, message: { type: 'step', epoch: 2, step: 3, steps: 8, loss: 1.25 } });
  view.onEvent({ type: 'end', job: ash!, result: result(ash!, 'ok', 77) });
  view.stop();
  assert.match(text, /epoch 2\/3 {2}step 3\/8 {2}loss 1\.250/);
  assert.match(text, /1\/2 jobs {2}running 1 {2}ok 1 {2}diverged 0 {2}failed 0/);
  assert.match(text, new RegExp(`${ash!.id}: ok {2}top-1 77\\.00%`));

  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) });
  const json = jsonView(plan, 2, sink);
  json.onEvent({ type: 'start', job: relu!, slot: 0, attempt: 1 });
  json.onEvent({ type: 'attempt-failed', job: relu!, attempt: 1, error: 'job process exited with code 3', willRetry: true });
  json.onEvent({ type: 'end', job: relu!, result: result(relu!, 'failed', null) });
  json.stop();
  const records = lines.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(records.map((r) => r.msg), ['sweep started', 'job started', 'job attempt failed', 'job ended', 'sweep ended']);
  assert.equal(records[3]!.status, 'failed');
  assert.equal(records[3]!.jobId, relu!.id);
  assert.equal(records[4]!.failed, 1);
});
