// Checkpoints and resume end to end through the built CLI (npm test builds dist/ first), on WASM with a Wide
// ResNet-10-1 that has ASH sites (learned z/alpha), batch norm and SeededDropout: a run killed with SIGKILL after
// an epoch and resumed with `ash train --resume` ends bit-identical to the same run never interrupted (metrics,
// history, final weights). The sweep executor's retry: test/runner/resume-retry.test.ts; --restart and the
// refusals: test/cli/resume-options.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../../src/runner/result.js';
import { ash, attemptStarts, KILL, outcome, readResult, resumeRun, tmp } from '../helpers/resume-fixtures.js';

const RUN = resumeRun(3).args;

let uninterrupted: { dir: string; result: JobResult } | undefined;
function reference(): { dir: string; result: JobResult } {
  if (!uninterrupted) {
    const dir = tmp();
    const r = ash(['train', ...RUN, '--out', dir]);
    assert.equal(r.status, 0, r.stderr);
    uninterrupted = { dir, result: readResult(dir) };
  }
  return uninterrupted;
}

test('ash train: killed after epoch 2 and resumed with --resume, the run ends bit-identical to the uninterrupted one', () => {
  const full = reference();
  assert.ok(!RUN.includes('4') && RUN.filter((a) => a === '3').length === 1, 'RUN gives 3 only as --epochs');
  assert.equal(full.result.status, 'ok');
  assert.equal(full.result.history.length, 3);
  // No checkpoint is left once the result is written; the final weights are in model/.
  assert.ok(!existsSync(join(full.dir, 'checkpoint')));
  assert.ok(existsSync(join(full.dir, 'model', 'weights.bin')));

  const out = tmp();
  const killed = ash(['train', ...RUN, '--out', out], { [KILL]: '2' });
  assert.equal(killed.signal, 'SIGKILL');
  assert.deepEqual(readdirSync(join(out, 'checkpoint')), ['epoch-2']);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
  assert.ok(!existsSync(join(out, 'result.json')));

  // The same command again does not silently continue (or redo) the run: it says how to do either.
  const again = ash(['train', ...RUN, '--out', out]);
  assert.equal(again.status, 2, again.stderr);
  assert.match(again.stderr, /holds an unfinished run of this spec, saved after epoch 2: add --resume to continue it, or --restart to train it from the start/);
  // --resume with flags that describe another run names the setting that differs.
  const other = ash(['train', ...RUN.map((a) => (a === '3' ? '4' : a)), '--out', out, '--resume']);
  assert.equal(other.status, 2, other.stderr);
  assert.match(other.stderr, /holds another run \(spec\.json of a different spec, train\.epochs: 3 there, 4 here\)/);

  const resumed = ash(['train', ...RUN, '--out', out, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming from epoch 2\/3/);
  // Only epoch 3 ran in this process.
  assert.doesNotMatch(resumed.stderr, /epoch [12]\/3:/);
  assert.match(resumed.stderr, /epoch 3\/3:/);
  const result = readResult(out);
  assert.deepEqual(outcome(result), outcome(full.result));
  assert.equal(result.env.resumedFromEpoch, 2);
  // metrics.jsonl holds the whole history, the checkpoint's epochs included.
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JobResult['history'][number]);
  assert.deepEqual(lines, result.history);
  assert.ok(readFileSync(join(out, 'model', 'weights.bin')).equals(readFileSync(join(full.dir, 'model', 'weights.bin'))), 'final weights differ');
  assert.ok(!existsSync(join(out, 'checkpoint')));
});


test('ash train --resume: result.json startedAt is the first attempt\'s start, seconds the sum over both attempts', () => {
  const { args } = resumeRun(2);
  const out = tmp();
  const killed = ash(['train', ...args, '--out', out], { [KILL]: '1' });
  assert.equal(killed.signal, 'SIGKILL');
  // The checkpoint carries the clock so far: the first attempt's start and its seconds up to the save.
  const manifest = JSON.parse(readFileSync(join(out, 'checkpoint', 'epoch-1', 'state.json'), 'utf8')) as { state: { clock: { startedAt: string; seconds: number } } };
  const saved = manifest.state.clock;
  const resumed = ash(['train', ...args, '--out', out, '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  // Each attempt logs when it started (log.jsonl gets one 'job started' line per attempt).
  const starts = attemptStarts(out);
  assert.equal(starts.length, 2);
  assert.equal(saved.startedAt, starts[0]);
  assert.ok(saved.seconds > 0);
  const result = readResult(out);
  assert.equal(result.startedAt, starts[0]);
  // The checkpoint's seconds plus the second attempt's own (its start to finishedAt); the pause between is not counted.
  const second = (Date.parse(result.finishedAt) - Date.parse(starts[1]!)) / 1000;
  assert.ok(Math.abs(result.seconds! - (saved.seconds + second)) < 1e-9, `${result.seconds} vs ${saved.seconds} + ${second}`);
  assert.ok(result.seconds! < (Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000 + 1e-9);
});
