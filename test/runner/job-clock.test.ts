// A resumed job's clock: the first attempt's start and the seconds of every attempt (src/runner/job-clock.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobClock } from '../../src/runner/job-clock.js';

const at = (hms: string): Date => new Date(`2026-01-02T${hms}.000Z`);
const epoch = (n: number, seconds: number | null) => ({ epoch: n, trainLoss: 1, lr: 0.1, seconds, metrics: {} });

test('job clock: a fresh attempt counts from its own start', () => {
  const clock = jobClock(at('12:00:00'));
  assert.equal(clock.startedAt, '2026-01-02T12:00:00.000Z');
  // 12:00:00 -> 12:01:30.5 = 90.5 s
  assert.deepEqual(clock.at(new Date(at('12:01:30').getTime() + 500)), { startedAt: '2026-01-02T12:00:00.000Z', seconds: 90.5 });
});

test('job clock: a resumed attempt keeps the first start and adds its seconds to the checkpoint\'s', () => {
  // The first attempt started 11:00:00 and had spent 100 s when it saved the checkpoint; this one started at
  // 12:00:00 (the hour between is a pause, not counted) and ends at 12:00:30: 100 + 30 = 130 s.
  const clock = jobClock(at('12:00:00'), { clock: { startedAt: '2026-01-02T11:00:00.000Z', seconds: 100 }, history: [epoch(1, 99)] });
  assert.equal(clock.startedAt, '2026-01-02T11:00:00.000Z');
  assert.deepEqual(clock.at(at('12:00:30')), { startedAt: '2026-01-02T11:00:00.000Z', seconds: 130 });
  // What the next checkpoint of this attempt carries, so a second resume counts all three: 100 + 10 = 110 s.
  assert.deepEqual(clock.at(at('12:00:10')), { startedAt: '2026-01-02T11:00:00.000Z', seconds: 110 });
});

test('job clock: a checkpoint without a clock (older ash-bench) stands in its epochs\' seconds, the start is unknown', () => {
  // Epochs of 10 s and 12.5 s (a null one counts nothing) before; this attempt 12:00:00 -> 12:00:30: 22.5 + 30 = 52.5 s.
  const clock = jobClock(at('12:00:00'), { history: [epoch(1, 10), epoch(2, 12.5), epoch(3, null)] });
  assert.deepEqual(clock.at(at('12:00:30')), { startedAt: '2026-01-02T12:00:00.000Z', seconds: 52.5 });
});
