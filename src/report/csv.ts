// CSV: the paper's layout (activation rows, model columns) with numbers at full precision, one row per table row.
import { stringify } from 'csv-stringify/sync';
import type { Report } from './build.js';
import type { ReportTable } from './table.js';

const PER_MODEL = ['mean', 'ci95', 'sd', 'n', 'diverged', 'failed'] as const;
const PER_MODEL_PAPER = ['paper model', 'paper mean', 'paper ci95', 'diff'] as const;

export function renderCsv(report: Report): string {
  const tables: ReportTable[] = report.sweeps.flatMap((s) => s.tables);
  const models = [...new Set(tables.flatMap((t) => t.columns.map((c) => c.model)))];
  const withPaper = tables.some((t) => t.paper);
  const header = ['sweep', 'dataset', 'metric', 'activation'];
  for (const model of models) {
    header.push(...PER_MODEL.map((f) => `${model} ${f}`));
    if (withPaper) header.push(...PER_MODEL_PAPER.map((f) => `${model} ${f}`));
  }
  const records: (string | number | null)[][] = [header];
  for (const table of tables) {
    for (const row of table.rows) {
      const record: (string | number | null)[] = [table.sweep, table.dataset, table.metric.key, row.label];
      for (const model of models) {
        const col = table.columns.findIndex((c) => c.model === model);
        const cell = col < 0 ? null : row.cells[col];
        if (!cell) {
          record.push(...PER_MODEL.map(() => null));
          if (withPaper) record.push(...PER_MODEL_PAPER.map(() => null));
          continue;
        }
        const { summary, diverged, failed } = cell.row;
        record.push(summary.mean, summary.ci95, summary.sd, summary.n, diverged, failed);
        if (withPaper) {
          const p = cell.paper;
          record.push(p ? table.columns[col]!.paperModel : null, p?.mean ?? null, p?.ci95 ?? null, p?.diff ?? null);
        }
      }
      records.push(record);
    }
  }
  return stringify(records);
}
