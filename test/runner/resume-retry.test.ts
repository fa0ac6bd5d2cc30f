// The sweep executor's retry of a job killed (SIGKILL) after an epoch resumes from the job's checkpoint, and the
// job ends bit-identical to the same run trained uninterrupted by `ash train` (built CLI and job processes: npm
// test builds dist/ first). WASM, Wide ResNet-10-1 with ASH sites, batch norm and SeededDropout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runSweep } from '../../src/runner/sweep.js';
import { identityHash } from '../../src/contract/spec.js';
import type { JobResult } from '../../src/runner/result.js';
import { ash, attemptStarts, KILL, outcome, readResult, resumeRun, tmp } from '../helpers/resume-fixtures.js';

const { data, args: RUN } = resumeRun(3);

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

test('a sweep retries a killed job from its checkpoint: the retry resumes and ends bit-identical', async () => {
  const dir = tmp();
  const file = join(dir, 'resume.yaml');
  writeFileSync(
    file,
    'name: resume\nbackend: wasm\ngrid: { activation: [{ name: ash, k: 0.3 }], model: [wrn10-1-drop0.3], dataset: [fashion-mnist] }\nseeds: [5]\n' +
      `train: { epochs: 3, batchSize: 16 }\ndata: { dataDir: ${JSON.stringify(data)} }\nretries: 1\n`,
  );
  const text = new PassThrough().resume();
  // Every attempt gets the kill switch; only the first reaches epoch 1 (the retry starts at epoch 2).
  const swept = await runSweep({ file, out: dir, jobs: 1, progress: 'json', progressStream: new PassThrough().resume(), env: { [KILL]: '1' }, preflight: false }, text);
  assert.equal(swept.exitCode, 0);
  const [result] = [...swept.results.values()];
  assert.equal(result!.status, 'ok');
  assert.equal(result!.attempts, 2);
  assert.equal(result!.env.resumedFromEpoch, 1);
  const full = reference().result;
  assert.equal(identityHash(result!.spec), identityHash(full.spec), 'the sweep job and the ash train run are the same run');
  assert.deepEqual(outcome(result!), outcome(full));
  // The result's clock covers both attempts: the first one's start, and more seconds than the retry alone ran.
  const starts = attemptStarts(join(dir, 'resume', result!.jobId));
  assert.equal(starts.length, 2);
  assert.equal(result!.startedAt, starts[0]);
  assert.ok(result!.seconds! > (Date.parse(result!.finishedAt) - Date.parse(starts[1]!)) / 1000);
});
