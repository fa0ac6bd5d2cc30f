// `ash train --resume` / `--restart` through the built CLI (npm test builds dist/ first): what is refused and
// what starting over does. Bit-identical resuming: test/cli/resume.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../../src/runner/result.js';
import { ash, KILL, readResult, resumeRun, tmp } from '../helpers/resume-fixtures.js';

const RUN = resumeRun(2).args;

test('ash train: --resume without a checkpoint names the folder; --restart trains a run from the start, unfinished or finished', () => {
  const empty = tmp();
  const none = ash(['train', ...RUN, '--out', empty, '--resume']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, new RegExp(`${empty}: no checkpoint to resume from`));
  const both = ash(['train', ...RUN, '--out', empty, '--resume', '--restart']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--resume and --restart: choose one/);

  const out = tmp();
  const killed = ash(['train', ...RUN, '--out', out], { [KILL]: '1' });
  assert.equal(killed.signal, 'SIGKILL');
  const restarted = ash(['train', ...RUN, '--out', out, '--restart']);
  assert.equal(restarted.status, 0, restarted.stderr);
  assert.match(restarted.stderr, /epoch 1\/2:/);
  const result = readResult(out);
  assert.equal(result.env.resumedFromEpoch, undefined);
  assert.deepEqual(result.history.map((r) => r.epoch), [1, 2]);
  assert.ok(!existsSync(join(out, 'checkpoint')));
  // On a finished run, --restart trains it again (the result is replaced, not kept).
  const finishedAt = result.finishedAt;
  const again = ash(['train', ...RUN, '--out', out, '--restart']);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /already finished/);
  assert.notEqual(readResult(out).finishedAt, finishedAt);
  assert.deepEqual(readResult(out).metrics, result.metrics);

  // Killed after the last epoch's checkpoint but before result.json: --resume trains nothing more and writes the
  // result and model/ from the checkpoint, the same as the run that was not killed.
  const late = tmp();
  assert.equal(ash(['train', ...RUN, '--out', late], { [KILL]: '2' }).signal, 'SIGKILL');
  const finish = ash(['train', ...RUN, '--out', late, '--resume']);
  assert.equal(finish.status, 0, finish.stderr);
  assert.match(finish.stderr, /resuming from epoch 2\/2/);
  assert.doesNotMatch(finish.stderr, /epoch \d\/2:/);
  const strip = (r: JobResult) => ({ metrics: r.metrics, perClass: r.perClass, history: r.history.map(({ seconds: _s, ...rest }) => rest) });
  assert.deepEqual(strip(readResult(late)), strip(readResult(out)));
  assert.ok(readFileSync(join(late, 'model', 'weights.bin')).equals(readFileSync(join(out, 'model', 'weights.bin'))));
});
