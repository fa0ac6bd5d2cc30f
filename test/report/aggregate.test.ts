import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadResults } from '../../src/report/load.js';
import { aggregate } from '../../src/report/aggregate.js';
import { renderLatex, renderMarkdown, reportFromDir } from '../../src/report/index.js';
import { tempDir, writeResults } from './fixtures.js';

test('accuracy recorded in percent is left as is; fractions are shown x100 with a note', () => {
  const percent = loadResults(writeResults(tempDir(), [{ activation: 'relu', seed: 1, top1: 91.5 }, { activation: 'relu', seed: 2, top1: 92.5 }]));
  const a = aggregate(percent.results, ['top1']);
  assert.deepEqual(a.scaledToPercent, []);
  assert.equal(a.rows[0]!.summary.mean, 92);
  const fraction = loadResults(writeResults(tempDir(), [{ activation: 'relu', seed: 1, top1: 0.915 }, { activation: 'relu', seed: 2, top1: 0.925 }]));
  const b = aggregate(fraction.results, ['top1', 'valLoss']);
  assert.deepEqual(b.scaledToPercent, ['top1']);
  assert.ok(Math.abs(b.rows.find((r) => r.metric === 'top1')!.summary.mean! - 92) < 1e-9);
  assert.equal(b.rows.find((r) => r.metric === 'valLoss')!.summary.mean, 0.3); // losses are never rescaled
});

test('custom labels: own rows, sorted next to their activation; ASH variants are not baselines of ASH', () => {
  const root = writeResults(tempDir(), [
    ...[1, 2].map((seed) => ({ activation: 'mish', seed, top1: 0.5 + seed / 100 })),
    ...[1, 2].map((seed) => ({ activation: 'ash', label: 'ASH k=10%', seed, top1: 0.9 + seed / 100 })),
    ...[1, 2].map((seed) => ({ activation: 'ash', seed, top1: 0.8 + seed / 100 })),
    ...[1, 2].map((seed) => ({ activation: 'relu', seed, top1: 0.7 + seed / 100 })),
  ]);
  const report = reportFromDir(root);
  const table = report.sweeps[0]!.tables[0]!;
  assert.deepEqual(table.rows.map((r) => r.label), ['ReLU', 'ASH', 'ASH k=10%', 'Mish']);
  const verdict = table.columns[0]!.verdict;
  assert.deepEqual(verdict.best, ['ASH k=10%']);
  assert.equal(verdict.ashBest, false);
  // ASH (81, 82) against the best baseline ReLU (71, 72), not against the ASH variant.
  assert.equal(verdict.welch!.baseline, 'ReLU');
  assert.equal(verdict.welch!.ash, 'ASH');
});

test('sweeps stay apart: one section and one table per sweep', () => {
  const root = writeResults(tempDir(), [
    { sweep: 'a', activation: 'relu', seed: 1, top1: 0.9 },
    { sweep: 'b', activation: 'relu', seed: 1, top1: 0.5 },
  ]);
  const md = renderMarkdown(reportFromDir(root));
  assert.ok(md.includes('## Sweep a') && md.includes('## Sweep b'));
  assert.ok(md.includes('| ReLU | **90.00 ± —** |') && md.includes('| ReLU | **50.00 ± —** |'));
});

test('a cell whose runs all failed is shown with its counts, not dropped', () => {
  const root = writeResults(tempDir(), [
    { activation: 'relu', seed: 1, top1: 0.9 },
    { activation: 'relu', seed: 2, top1: 0.91 },
    { activation: 'gelu', seed: 1, status: 'failed' },
    { activation: 'gelu', seed: 2, status: 'failed' },
  ]);
  const md = renderMarkdown(reportFromDir(root));
  assert.ok(md.includes('| GELU | — ± — (n=0, 2 failed) |'), md);
});

test('LaTeX escapes labels and marks the best cell bold', () => {
  const root = writeResults(tempDir(), [
    { activation: 'relu', label: 'ReLU_50%', seed: 1, top1: 0.9 },
    { activation: 'relu', label: 'ReLU_50%', seed: 2, top1: 0.92 },
  ]);
  const tex = renderLatex(reportFromDir(root));
  assert.ok(tex.includes('ReLU\\_50\\% & \\textbf{91.00 $\\pm$ 12.71} \\\\'), tex);
  assert.ok(tex.includes('\\begin{tabular}{lr}') && tex.includes('\\bottomrule'));
});
