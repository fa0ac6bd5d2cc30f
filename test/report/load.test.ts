import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { loadResults } from '../../src/report/load.js';
import { renderMarkdown, reportFromDir } from '../../src/report/index.js';
import { makeResult, tempDir, writeResults } from './fixtures.js';

function writeRaw(root: string, rel: string, text: string): string {
  const file = join(root, rel, 'result.json');
  mkdirSync(join(root, rel), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const GOOD = [
  { activation: 'relu', seed: 1, top1: 0.9 },
  { activation: 'relu', seed: 2, top1: 0.92 },
];

test('corrupt JSON: named in the problems, the rest still reported', () => {
  const root = writeResults(tempDir(), GOOD);
  const bad = writeRaw(root, 'smoke/killed-job', '{"schema": 1, "jobId": "kil');
  const loaded = loadResults(root);
  assert.equal(loaded.results.length, 2);
  assert.equal(loaded.problems.length, 1);
  assert.equal(loaded.problems[0]!.file, bad);
  assert.match(loaded.problems[0]!.message, /not valid JSON/);
  const md = renderMarkdown(reportFromDir(root));
  assert.ok(md.includes(`\`${bad}\`: not valid JSON`), md);
  assert.ok(md.includes('| ReLU | **91.00 ± 12.71** |'), md);
});

test('mixed schema versions: a newer schema is named, schema-1 results kept', () => {
  const root = writeResults(tempDir(), GOOD);
  const v3 = writeRaw(root, 'smoke/newer', JSON.stringify({ ...makeResult({ activation: 'ash', seed: 1 }), schema: 3 }));
  const noSchema = writeRaw(root, 'smoke/older', JSON.stringify({ jobId: 'x' }));
  const loaded = loadResults(root);
  assert.equal(loaded.results.length, 2);
  const byFile = new Map(loaded.problems.map((p) => [p.file, p.message]));
  assert.match(byFile.get(v3)!, /^schema 3; this version of ash-bench reads result\.json schemas 1 and 2/);
  assert.match(byFile.get(noSchema)!, /^no "schema" field/);
});

test('a schema-1 file with a wrong field names the field and what was expected', () => {
  const root = tempDir();
  const result = makeResult({ activation: 'relu', seed: 1 });
  (result.spec as Record<string, unknown>).model = 42;
  result.status = 'finished';
  const file = writeRaw(root, 'smoke/job', JSON.stringify(result));
  const { problems } = loadResults(root);
  assert.equal(problems[0]!.file, file);
  assert.match(problems[0]!.message, /field 'status'/);
  assert.match(problems[0]!.message, /field 'spec\.model': .*expected string/i);
});

test('empty or missing directory: a clear UserError naming it and the expected layout', () => {
  const empty = tempDir();
  const loaded = loadResults(empty);
  assert.equal(loaded.results.length, 0);
  assert.match(loaded.problems[0]!.message, /no result\.json found \(expected .*<sweep>.*<jobId>.*result\.json/);
  assert.throws(() => reportFromDir(empty), (err: unknown) => err instanceof UserError && err.message.includes(empty));
  assert.throws(() => loadResults(join(empty, 'nope')), (err: unknown) => err instanceof UserError && /does not exist/.test(err.message));
});

test('all files bad: UserError that lists every file', () => {
  const root = tempDir();
  const a = writeRaw(root, 's/a', 'not json');
  const b = writeRaw(root, 's/b', '{"schema": 3}');
  assert.throws(
    () => reportFromDir(root),
    (err: unknown) => err instanceof UserError && err.message.includes(a) && err.message.includes(b),
  );
});

test('layouts: <dir>/<sweep>/<job>, a single sweep dir, a single job dir; sweep from spec or folder', () => {
  const root = writeResults(tempDir(), [{ ...GOOD[0]!, sweep: 'alpha' }, { ...GOOD[1]!, sweep: 'beta' }]);
  assert.deepEqual(loadResults(root).results.map((r) => r.sweep).sort(), ['alpha', 'beta']);
  assert.equal(loadResults(join(root, 'alpha')).results.length, 1);
  const jobDir = join(root, 'alpha', loadResults(join(root, 'alpha')).results[0]!.result.jobId);
  assert.equal(loadResults(jobDir).results.length, 1);
  // A label that is the activation's name is shown in the paper's spelling.
  const bare = tempDir();
  writeRaw(bare, 'mysweep/job1', JSON.stringify(makeResult({ activation: 'relu', seed: 1 })));
  assert.equal(reportFromDir(bare).sweeps[0]!.rows[0]!.label, 'ReLU');
  // Every spec.json / result.json names its sweep and label (the contract): a file without them is named as a problem.
  const result = makeResult({ activation: 'relu', seed: 1 });
  delete (result.spec as Record<string, unknown>).sweep;
  const file = writeRaw(bare, 'mysweep/job2', JSON.stringify(result));
  assert.match(loadResults(bare).problems.find((p) => p.file === file)!.message, /field 'spec\.sweep'/);
});

test('diverged and failed runs are counted per cell, and a NaN written as null counts as diverged', () => {
  const root = writeResults(tempDir(), [
    { activation: 'relu', seed: 1, top1: 0.9 },
    { activation: 'relu', seed: 2, top1: null }, // status ok but no finite value
    { activation: 'relu', seed: 3, status: 'diverged', top1: null },
    { activation: 'relu', seed: 4, status: 'failed' },
  ]);
  const report = reportFromDir(root);
  const [row] = report.sweeps[0]!.rows;
  assert.deepEqual(
    { n: row!.summary.n, mean: row!.summary.mean, sd: row!.summary.sd, diverged: row!.diverged, failed: row!.failed },
    { n: 1, mean: 90, sd: null, diverged: 2, failed: 1 },
  );
});
