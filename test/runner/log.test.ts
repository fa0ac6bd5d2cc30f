// Sweep log lines: JSON (pino) with ISO times and numbers cut to 5 significant digits, the same records
// as human lines with --log-format pretty, and --quiet / --verbose choosing what is logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { jsonView } from '../../src/runner/progress.js';
import { prettyLine, roundForLog } from '../../src/runner/log.js';
import type { JobResult } from '../../src/runner/result.js';
import type { PlannedJob } from '../../src/runner/plan.js';
import type { LogOptions } from '../../src/runner/log.js';
import { planFor, tempDir, writeSweep } from './helpers.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return { stream: new Writable({ write: (c, _e, done) => (chunks.push(c.toString()), done()) }), text: () => chunks.join('') };
}

/** One job's life as the executor reports it: start, two steps, an epoch, the end. */
function runOneJob(options: LogOptions): string {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'logs', ['relu']), dir);
  const job = plan.jobs[0]! as PlannedJob;
  const out = sink();
  const view = jsonView(plan, 1, out.stream, options);
  view.onEvent({ type: 'start', job, slot: 0, attempt: 1 });
  view.onEvent({ type: 'message', job, message: { type: 'step', epoch: 1, step: 1, steps: 2, loss: 2.302585092994046 } });
  view.onEvent({ type: 'message', job, message: { type: 'epoch', record: { epoch: 1, trainLoss: 0.123456789, lr: 0.1, seconds: 12.3456, metrics: { valLoss: 0.98765432, top1: 91.23456789, top5: 99.9 } } } });
  view.onEvent({ type: 'attempt-failed', job, attempt: 1, error: 'job process exited with code 3\nstack line', willRetry: true });
  view.onEvent({ type: 'start', job, slot: 0, attempt: 2 });
  const result = { schema: 2, jobId: job.id, task: 'classification', primaryMetric: 'top1', status: 'ok', spec: job.spec, metrics: { top1: 91.23456789, top5: 99.9, valLoss: 0.98765432 }, history: [], env: {}, startedAt: '', finishedAt: '' } as unknown as JobResult;
  view.onEvent({ type: 'end', job, result });
  view.stop();
  return out.text();
}

test('roundForLog keeps 5 significant digits and leaves integers alone', () => {
  assert.equal(roundForLog(0.123456789), 0.12346);
  assert.equal(roundForLog(91.23456789), 91.235);
  assert.equal(roundForLog(2.302585092994046), 2.3026);
  assert.equal(roundForLog(0.000123456), 0.00012346);
  assert.equal(roundForLog(60000), 60000);
  assert.ok(Number.isNaN(roundForLog(NaN)));
});

test('JSON lines: ISO times, rounded numbers, job events at info', () => {
  const records = runOneJob({}).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(records.map((r) => r.msg), ['sweep started', 'job started', 'epoch', 'job attempt failed', 'job started', 'job ended', 'sweep ended']);
  for (const r of records) assert.match(String(r.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const epoch = records[2]!;
  assert.equal(epoch.trainLoss, 0.12346);
  assert.equal(epoch.valLoss, 0.98765);
  assert.equal(epoch.top1, 91.235);
  assert.equal(epoch.seconds, 12.346);
  assert.equal(records[5]!.top1, 91.235);
  // One job to run and it has finished: the timings have settled, so the last lines carry an ETA (nothing left).
  assert.equal(records[6]!.eta, '0s');
  assert.equal(records[1]!.eta, undefined, 'no ETA before the timings settle');
});

test('--verbose adds the training steps; --quiet keeps only warnings', () => {
  const verbose = runOneJob({ verbosity: 'verbose' }).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const step = verbose.find((r) => r.msg === 'step')!;
  assert.equal(step.level, 20);
  assert.equal(step.loss, 2.3026);
  const quiet = runOneJob({ verbosity: 'quiet' }).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(quiet.map((r) => r.msg), ['job attempt failed']);
  assert.equal(quiet[0]!.level, 40);
});

test('--log-format pretty: one human line per record, warnings named, first line of errors only', () => {
  const lines = runOneJob({ format: 'pretty' }).trim().split('\n');
  assert.equal(lines.length, 7);
  for (const line of lines) assert.match(line, /^\d\d:\d\d:\d\d {2}/);
  assert.match(lines[0]!, /sweep started {2}total=1 alreadyDone=0 toRun=1 slots=1$/);
  assert.match(lines[2]!, /^\d\d:\d\d:\d\d {2}epoch {2}relu-resnet20-fashion-mnist-s1-[0-9a-f]{12} {2}epoch=1 epochs=1 trainLoss=0\.12346 valLoss=0\.98765 top1=91\.235 seconds=12\.346 /);
  assert.match(lines[3]!, /^\d\d:\d\d:\d\d {2}WARN job attempt failed {2}\S+ {2}attempt=1 willRetry=true error="job process exited with code 3"$/);
  assert.doesNotMatch(lines.join('\n'), /[{}]/, 'no JSON left');
  // The clock is the record's time in local time.
  const at = new Date(2026, 0, 2, 3, 4, 5);
  assert.equal(prettyLine({ level: 30, time: at.toISOString(), msg: 'hello', n: 1 }), '03:04:05  hello  n=1');
});
