// A results folder written by the schema-1 code (test/fixtures/legacy-results, committed as that code wrote it)
// resumes with nothing re-run and reports the same numbers; relabelling a row or moving the data re-runs nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { reportFromDir, renderJson } from '../../src/report/index.js';
import { sweepWithFakeJob, tempDir } from './helpers.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'legacy-results');

function copyOfLegacy(): string {
  const out = tempDir('ash-legacy-');
  cpSync(join(FIXTURE, 'legacy'), join(out, 'legacy'), { recursive: true });
  return out;
}

test('a schema-1 results folder resumes with nothing re-run, and its report is unchanged', async () => {
  const out = copyOfLegacy();
  const before = readdirSync(join(out, 'legacy')).sort();
  // The fake job would write results; it must never start.
  const outcome = await sweepWithFakeJob({ file: join(FIXTURE, 'legacy.yaml'), out });
  assert.equal(outcome.exitCode, 0, outcome.text);
  assert.equal(outcome.plan.done.length, 4);
  assert.equal(outcome.plan.toRun.length, 0);
  assert.match(outcome.text, /4 results: 4 ok, 0 diverged, 0 failed \(4 from earlier runs\)/);
  assert.deepEqual(readdirSync(join(out, 'legacy')).sort(), before, 'no new job folder');
  const expected = JSON.parse(readFileSync(join(FIXTURE, 'report-schema1.json'), 'utf8')) as unknown;
  assert.deepEqual(JSON.parse(renderJson(reportFromDir(join(out, 'legacy')))), expected);
});

test('relabelling a row or moving the data re-runs nothing; the finished folders take the new label', async () => {
  const out = copyOfLegacy();
  const outcome = await sweepWithFakeJob({
    file: join(FIXTURE, 'legacy.yaml'),
    out,
    set: ['grid.activation.1.label=ASH-half', 'data.dataDir=/data/moved/fashion-mnist', 'data.stream=false'],
  });
  assert.equal(outcome.exitCode, 0, outcome.text);
  assert.equal(outcome.plan.toRun.length, 0, outcome.text);
  const ash = outcome.plan.jobs.filter((j) => j.spec.activation.name === 'ash');
  assert.equal(ash.length, 2);
  for (const job of ash) {
    assert.match(job.id, /^ash-resnet20-fashion-mnist-s\d-[0-9a-f]{12}$/, 'the folder keeps its name');
    const result = JSON.parse(readFileSync(join(job.dir, 'result.json'), 'utf8')) as { spec: { label: string }; schema: number; metrics: unknown };
    const original = JSON.parse(readFileSync(join(FIXTURE, 'legacy', job.id, 'result.json'), 'utf8')) as { metrics: unknown };
    assert.equal(result.spec.label, 'ASH-half');
    assert.equal(result.schema, 2, 'rewritten in the current schema');
    assert.deepEqual(result.metrics, original.metrics, 'with the numbers it had');
  }
  const rows = JSON.parse(renderJson(reportFromDir(join(out, 'legacy')))) as { activation: string; mean: number }[];
  assert.deepEqual(rows.map((r) => [r.activation, r.mean]), [['ReLU', 9.375], ['ASH-half', 15.625]]);
});
