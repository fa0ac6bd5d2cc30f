// A result.json nested without bound (here 100000 levels inside spec.train) is a problem naming the
// file, skipped like any other bad file; the report of the other results still comes out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFromDir, renderReport } from '../../src/report/index.js';

const LEGACY = 'test/fixtures/legacy-results/legacy';
const JOB = 'relu-resnet20-fashion-mnist-s1-50b23f3f225f';

test('a deeply nested result.json is skipped with its name; the rest is reported', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ash-deep-'));
  cpSync(LEGACY, join(root, 'legacy'), { recursive: true });
  const deepDir = join(root, 'legacy', 'deep-job');
  mkdirSync(deepDir);
  const depth = 100000;
  const text = readFileSync(join(LEGACY, JOB, 'result.json'), 'utf8').replace('"train": {', `"train": { "deep": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)},`);
  writeFileSync(join(deepDir, 'result.json'), text);
  const report = reportFromDir(root, { metrics: ['top1'] });
  const problem = report.problems.find((p) => p.file === join(deepDir, 'result.json'));
  assert.ok(problem, JSON.stringify(report.problems));
  assert.match(problem.message, /nested deeper than 64 levels/);
  assert.match(await renderReport(report, 'md'), /\| ReLU \| 9\.38 ± 0\.00 \|/);
});
