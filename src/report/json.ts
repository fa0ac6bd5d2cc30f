// JSON: one object per (sweep, activation, model, dataset, metric), in table order.
import { toJsonRow, type JsonRow } from './aggregate.js';
import type { Report } from './build.js';

export interface JsonReportRow extends JsonRow {
  /** Present when the cell was compared with the paper. */
  paper?: { table: string; model: string; mean: number; ci95: number | null; diff: number | null };
}

export function reportRows(report: Report): JsonReportRow[] {
  const rows: JsonReportRow[] = [];
  for (const table of report.sweeps.flatMap((s) => s.tables)) {
    for (const row of table.rows) {
      row.cells.forEach((cell, col) => {
        if (!cell) return;
        const out: JsonReportRow = toJsonRow(cell.row);
        const paperModel = table.columns[col]!.paperModel;
        if (cell.paper && table.paper && paperModel) {
          out.paper = { table: table.paper.id, model: paperModel, ...cell.paper };
        }
        rows.push(out);
      });
    }
  }
  return rows;
}

export function renderJson(report: Report): string {
  return `${JSON.stringify(reportRows(report), null, 2)}\n`;
}
