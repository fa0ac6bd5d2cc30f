// The results store (atomic writes, torn JSONL lines) and the planner's idea of "finished".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonLines, writeJsonAtomic, isTempFile, removeStaleTempFiles } from '../../src/runner/store.js';
import { planJobs } from '../../src/runner/plan.js';
import type { JobResult } from '../../src/runner/result.js';
import { planFor, tempDir, writeSweep } from './helpers.js';

test('writeJsonAtomic replaces the file whole and leaves no temp file', () => {
  const dir = tempDir();
  const path = join(dir, 'result.json');
  writeJsonAtomic(path, { a: 1 });
  writeJsonAtomic(path, { a: 2, b: [1, 2] });
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { a: 2, b: [1, 2] });
  assert.deepEqual(readdirSync(dir), ['result.json']);
});

test('readJsonLines skips a line torn by a kill; stale temp files are recognised and removed', () => {
  const dir = tempDir();
  const path = join(dir, 'metrics.jsonl');
  writeFileSync(path, '{"epoch":1}\n{"epoch":2}\n{"epo');
  assert.deepEqual(readJsonLines(path), [{ epoch: 1 }, { epoch: 2 }]);
  appendFileSync(path, '\n');
  assert.deepEqual(readJsonLines(path), [{ epoch: 1 }, { epoch: 2 }]);
  writeFileSync(join(dir, 'result.json.tmp-123-abcd'), '{}');
  assert.ok(isTempFile('result.json.tmp-123-abcd'));
  assert.ok(!isTempFile('result.json'));
  removeStaleTempFiles(dir);
  assert.deepEqual(readdirSync(dir), ['metrics.jsonl']);
});

function resultFor(job: { id: string; spec: JobResult['spec'] }, status: JobResult['status']): JobResult {
  return {
    schema: 1,
    jobId: job.id,
    status,
    spec: job.spec,
    metrics: { top1: status === 'ok' ? 80 : null, top5: null, valLoss: null },
    history: [],
    env: {},
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
  };
}

test('planning: ok and diverged are done; failed, missing, temp-only, corrupt or other-spec results run', () => {
  const dir = tempDir();
  const file = writeSweep(dir, 'plan', ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const jobs = planFor(file, dir).jobs;
  const [ok, diverged, failed, tempOnly, corrupt, otherSpec] = jobs;
  for (const j of jobs) mkdirSync(j.dir, { recursive: true });
  writeJsonAtomic(join(ok!.dir, 'result.json'), resultFor(ok!, 'ok'));
  writeJsonAtomic(join(diverged!.dir, 'result.json'), resultFor(diverged!, 'diverged'));
  writeJsonAtomic(join(failed!.dir, 'result.json'), resultFor(failed!, 'failed'));
  // A complete result that never got renamed into place (the writer was killed first) does not count.
  writeFileSync(join(tempOnly!.dir, 'result.json.tmp-999-beef'), JSON.stringify(resultFor(tempOnly!, 'ok')));
  writeFileSync(join(corrupt!.dir, 'result.json'), '{"schema": 1, "jobId": "x", "stat');
  writeJsonAtomic(join(otherSpec!.dir, 'result.json'), resultFor({ id: otherSpec!.id, spec: { ...otherSpec!.spec, seed: 99 } }, 'ok'));

  const plan = planJobs(jobs, join(dir, 'plan'));
  assert.deepEqual(
    plan.jobs.map((j) => j.state),
    ['done', 'done', 'retry', 'todo', 'todo', 'todo', 'todo'],
  );
  assert.deepEqual(plan.done.map((j) => j.id), [ok!.id, diverged!.id]);
  assert.equal(plan.toRun.length, 5);
  assert.equal(plan.jobs[2]!.previous?.status, 'failed');
});
