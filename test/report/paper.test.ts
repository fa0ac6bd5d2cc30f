import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { listPaperTables, loadPaperTable, PAPER_DATA_DIR, parsePaperTable, resolvePaperTableId } from '../../src/report/paper.js';
import { renderMarkdown, reportFromDir, reportRows } from '../../src/report/index.js';
import { smokeRuns, tempDir, writeResults, type FixtureRun } from './fixtures.js';

test('the seven paper tables ship with the project, notes kept', () => {
  assert.deepEqual(listPaperTables(), [
    'table1-imagenet',
    'table2-cifar10',
    'table3-cifar100',
    'table4-coco',
    'table5-voc-detection',
    'table6-ade20k',
    'table7-voc-segmentation',
  ]);
  const t2 = loadPaperTable('table2-cifar10');
  assert.equal(t2.dataset, 'cifar10');
  assert.equal(t2.entries.length, 27);
  assert.deepEqual(t2.entries[0], { activation: 'ReLU', metric: 'top1', model: 'resnet164', mean: 94.4, ci95: 0.04 });
  assert.match(t2.notes[0]!, /CIFAR-10 top-1 accuracy/);
  const t1 = loadPaperTable('table1');
  assert.equal(t1.entries.length, 54);
  assert.equal(t1.notes.length, 2);
  // The CI cut off in the paper's text is missing, not 0.
  assert.equal(loadPaperTable('table3-cifar100').entries.find((e) => e.model === 'densenet100-12')!.ci95, null);
  // Table 5 is about our voc-detection dataset (its runs compare with it; voc-segmentation's do not).
  assert.equal(loadPaperTable('table5').dataset, 'voc-detection');
});

test('the shipped CSVs are byte copies of the transcriptions', () => {
  for (const id of listPaperTables()) {
    const shipped = readFileSync(join(PAPER_DATA_DIR, `${id}.csv`), 'utf8');
    assert.ok(shipped.startsWith('# ASH paper (NeurIPS 2022)'), id);
  }
});

test('table names: exact, by number, by dataset; unknown lists the valid ones', () => {
  assert.equal(resolvePaperTableId('table2'), 'table2-cifar10');
  assert.equal(resolvePaperTableId('cifar100'), 'table3-cifar100');
  assert.throws(() => resolvePaperTableId('table9'), /unknown paper table 'table9'\. Valid paper tables: table1-imagenet, /);
});

test('a malformed paper CSV names the file, line and field', () => {
  const text = '# note\nactivation,metric,model,mean,ci95\nReLU,top1,resnet164,94.4,0.04\nASH,top1,resnet164,abc,0.1\n';
  assert.throws(() => parsePaperTable('t', 'x.csv', text), /x\.csv, line 4: field 'mean' must be a number, got 'abc'/);
  assert.throws(() => parsePaperTable('t', 'x.csv', 'a,b\n'), /x\.csv: header must be 'activation,metric,model,mean,ci95'/);
});

/** Runs on resnet164 whose means sit exactly 1 point below the paper's column (same ranking, same tie). */
function resnet164Runs(): FixtureRun[] {
  const paper: Record<string, number> = { relu: 94.4, lrelu: 94.5, prelu: 94.7, softplus: 94.3, elu: 93.5, selu: 94.5, gelu: 95.2, swish: 95.5, ash: 95.7 };
  return Object.entries(paper).flatMap(([activation, mean]) =>
    [-0.1, 0, 0.1].map((offset, i) => ({ activation, model: 'resnet164', seed: i + 1, top1: mean - 1 + offset })),
  );
}

test('paper comparison on a paper model: ours, paper, difference; tau = 1 for the same ranking', () => {
  const root = writeResults(tempDir(), resnet164Runs());
  const report = reportFromDir(root, { paper: 'table2-cifar10' });
  const table = report.sweeps[0]!.tables[0]!;
  const column = table.columns[0]!;
  assert.equal(column.paperModel, 'resnet164');
  assert.equal(column.verdict.paper!.pairs, 9);
  assert.ok(Math.abs(column.verdict.paper!.tau! - 1) < 1e-12);
  assert.equal(column.verdict.paper!.ashBest, true);
  assert.equal(column.verdict.ashBest, true);
  const md = renderMarkdown(report);
  // ASH: ours 94.6, 94.7, 94.8 -> 94.70 ± 4.3027 * 0.1 / sqrt(3) = 0.25; paper 95.7 ± 0.08; difference -1.00
  // ours, the paper's and the difference in columns of their own
  assert.ok(md.includes('| Activation | resnet164 | paper | Δ ours − paper |') || /\| Activation \| [^|]+ \| paper \| Δ ours − paper \|/.test(md), md);
  assert.ok(md.includes('| ASH | **94.70 ± 0.25** | 95.70 ± 0.08 | -1.00 |'), md);
  assert.ok(md.includes("| *Kendall's τ vs paper* | 1.00 (9 activations) |  |  |"), md);
  assert.ok(md.includes('| *ASH best? ours / paper* | yes / yes |  |  |'), md);
  // Welch ASH (94.6, 94.7, 94.8) vs Swish (94.4, 94.5, 94.6): t = 0.2 / sqrt(2 * 0.01 / 3) = 2.449, df 4 -> p 0.0705
  assert.ok(md.includes('| *Welch p, ASH vs best baseline* | p = 0.070 (ASH +0.20 vs Swish) |'), md);
  const rows = reportRows(report);
  const ash = rows.find((r) => r.activation === 'ASH')!;
  assert.equal(ash.paper!.table, 'table2-cifar10');
  assert.equal(ash.paper!.mean, 95.7);
  assert.ok(Math.abs(ash.paper!.diff! + 1) < 1e-9);
});

test('a small CPU model has no paper column: said clearly, or compared via --paper-model', () => {
  const root = writeResults(tempDir(), smokeRuns());
  const without = renderMarkdown(reportFromDir(root, { paper: 'table2' }));
  assert.ok(without.includes('resnet20: table2-cifar10 has no matching column (paper models: resnet164, wrn28-10, densenet100-12)'), without);
  assert.ok(without.includes('--paper-model resnet20=<paper model>'));
  const report = reportFromDir(root, { paper: 'table2', paperModel: 'resnet20=resnet164' });
  const column = report.sweeps[0]!.tables[0]!.columns[0]!;
  assert.equal(column.paperModel, 'resnet164');
  // Our smoke means vs the paper's ResNet-164 column; SciPy 1.17.1 kendalltau(ours, paper).statistic = 0.816982446237566
  assert.ok(Math.abs(column.verdict.paper!.tau! - 0.816982446237566) < 1e-12);
  const md = renderMarkdown(report);
  assert.ok(md.includes('| Activation | resnet20 (vs paper ResNet-164) | paper | Δ ours − paper |'), md);
  assert.ok(md.includes('| Mish | 90.73 ± 0.38 | — | — |'), 'Mish has no paper row, so no paper value');
  assert.throws(() => reportFromDir(root, { paper: 'table2', paperModel: 'resnet20' + '=vgg' }), (e: unknown) => e instanceof UserError && /unknown model of table2-cifar10 'vgg'/.test(e.message));
});

test('a sweep naming its paper table is compared automatically; a dataset mismatch is not compared', () => {
  const root = writeResults(tempDir(), resnet164Runs().map((r) => ({ ...r, paper: 'table2-cifar10' })));
  const auto = reportFromDir(root);
  assert.equal(auto.sweeps[0]!.tables[0]!.paper?.id, 'table2-cifar10');
  const other = reportFromDir(root, { paper: 'table3-cifar100' });
  assert.equal(other.sweeps[0]!.tables[0]!.paper, undefined);
  assert.ok(other.sweeps[0]!.tables[0]!.notes.some((n) => /reports CIFAR-100, this table is CIFAR-10: not compared/.test(n)));
  const unknown = writeResults(tempDir(), [{ activation: 'relu', seed: 1, paper: 'table99' }]);
  assert.ok(reportFromDir(unknown).notes.some((n) => /paper table 'table99' \(named by the sweep\): unknown paper table/.test(n)));
});

test("the sweep runner's sweep.json config.paper names the table; a broken sweep.json is reported", () => {
  const root = writeResults(tempDir(), resnet164Runs());
  writeFileSync(join(root, 'smoke', 'sweep.json'), JSON.stringify({ name: 'smoke', config: { name: 'smoke', paper: 'table2-cifar10' } }));
  assert.equal(reportFromDir(root).sweeps[0]!.tables[0]!.paper?.id, 'table2-cifar10');
  writeFileSync(join(root, 'smoke', 'sweep.json'), '{"name": "smo');
  const report = reportFromDir(root);
  assert.equal(report.sweeps[0]!.tables[0]!.paper, undefined);
  assert.match(report.problems[0]!.file, /smoke\/sweep\.json$/);
  assert.match(report.problems[0]!.message, /not valid JSON/);
});

test('paper data directory override is honoured (a custom table)', () => {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'table9-cifar10.csv'), '# custom\nactivation,metric,model,mean,ci95\nReLU,top1,resnet20,91,\n');
  const root = writeResults(tempDir(), [{ activation: 'relu', seed: 1, top1: 0.9 }]);
  const md = renderMarkdown(reportFromDir(root, { paper: 'table9', paperDir: dir }));
  assert.ok(md.includes('| ReLU | **90.00 ± —** | 91.00 ± — | -1.00 |'), md);
});
