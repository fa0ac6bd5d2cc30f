// Checkpoints and resume end to end through the built CLI (npm test builds dist/ first), on WASM with a Wide
// ResNet-10-1 that has ASH sites (learned z/alpha), batch norm and SeededDropout: a run killed with SIGKILL after
// an epoch and resumed with `ash train --resume` ends bit-identical to the same run never interrupted (metrics,
// history, final weights). The sweep executor's retry: test/runner/resume-retry.test.ts; --restart and the
// refusals: test/cli/resume-options.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMnistFixture } from '../helpers/idx-fixtures.js';
import type { JobResult } from '../../src/runner/result.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const KILL = 'ASH_TEST_KILL_AFTER_EPOCH';
const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-resume-'));

function ash(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const data = tmp();
writeMnistFixture(data, { gzip: false, train: 32, test: 12 });
// 2 steps per epoch, 3 epochs; dropout 0.3 between the convs of each block.
const RUN = ['--data-dir', data, '--model', 'wrn10-1-drop0.3', '--activation', 'ash:k=0.3', '--epochs', '3', '--batch-size', '16', '--seed', '5', '--backend', 'wasm'];

const readResult = (dir: string): JobResult => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as JobResult;
/** What must match exactly: the metrics, per-class records and every epoch record but its wall-clock seconds. */
const outcome = (r: JobResult) => ({ metrics: r.metrics, perClass: r.perClass, history: r.history.map(({ seconds: _s, ...rest }) => rest) });

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

