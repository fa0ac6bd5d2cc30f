// The report reads only result.json files that are plain files with sane metrics: a metric of 1e308
// (which made an "Infinity" CI) or an accuracy outside 0..100 is a problem naming the file; a
// result.json that is a symbolic link is not followed (nothing of the linked file reaches the report).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadResults } from '../../src/report/load.js';
import { renderReport, reportFromDir } from '../../src/report/index.js';

const LEGACY = 'test/fixtures/legacy-results/legacy';
const JOBS = ['relu-resnet20-fashion-mnist-s1-50b23f3f225f', 'relu-resnet20-fashion-mnist-s2-03af107c0c35'];

function copy(): string {
  const root = mkdtempSync(join(tmpdir(), 'ash-strict-'));
  cpSync(LEGACY, join(root, 'legacy'), { recursive: true });
  return root;
}

function setMetric(file: string, key: string, value: number): void {
  const result = JSON.parse(readFileSync(file, 'utf8'));
  result.metrics[key] = value;
  writeFileSync(file, JSON.stringify(result));
}

test('absurd metric values are problems naming the file, and no Infinity reaches the table', async () => {
  const root = copy();
  const files = JOBS.map((j) => join(root, 'legacy', j, 'result.json'));
  setMetric(files[0]!, 'top1', 1e308);
  setMetric(files[1]!, 'valLoss', -1e308);
  const loaded = loadResults(root);
  assert.deepEqual(loaded.problems.map((p) => p.file).sort(), [...files].sort());
  assert.match(loaded.problems.find((p) => p.file === files[0])!.message, /field 'metrics\.top1': .*0\.\.100/);
  assert.match(loaded.problems.find((p) => p.file === files[1])!.message, /field 'metrics\.valLoss': .*1e\+?12/);
  assert.doesNotMatch(await renderReport(reportFromDir(root, { metrics: ['top1', 'valLoss'] }), 'md'), /Infinity|NaN/);
});

test('a result.json that is a symbolic link is a problem and is not read', () => {
  const root = copy();
  const secret = join(mkdtempSync(join(tmpdir(), 'ash-secret-')), 'secret.txt');
  writeFileSync(secret, 'TOP SECRET not json');
  const link = join(root, 'legacy', JOBS[0]!, 'result.json');
  rmSync(link);
  symlinkSync(secret, link);
  const loaded = loadResults(root);
  const problem = loaded.problems.find((p) => p.file === link);
  assert.ok(problem, JSON.stringify(loaded.problems));
  assert.match(problem.message, /symbolic link/);
  assert.ok(loaded.problems.every((p) => !p.message.includes('TOP SECRET')));
  assert.equal(loaded.results.length, 3);
});

test('a sweep.json that is a symbolic link is a problem and is not read', () => {
  const root = copy();
  const secret = join(mkdtempSync(join(tmpdir(), 'ash-secret-')), 'secret.txt');
  writeFileSync(secret, 'TOP SECRET not json');
  const link = join(root, 'legacy', 'sweep.json');
  rmSync(link);
  symlinkSync(secret, link);
  const loaded = loadResults(root);
  assert.match(loaded.problems.find((p) => p.file === link)?.message ?? '', /symbolic link/);
  assert.ok(loaded.problems.every((p) => !p.message.includes('TOP SECRET')));
});
