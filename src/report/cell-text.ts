// The words and numbers of a table cell and of the verdict rows, shared by every output format.
import { modelDisplayName, paperModelKey } from './names.js';
import { runCount, type ColumnVerdict, type ReportTable, type TableCell } from './table.js';

/** Shown where a value does not exist (a CI from one run, a mean from no finished run). Never 0. */
export const MISSING = '—';

export function fixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

export function signed(value: number, digits: number): string {
  const text = fixed(value, digits);
  return value > 0 && text !== fixed(0, digits) ? `+${text}` : text;
}

export interface CellText {
  mean: string;
  /** null when missing (fewer than 2 finished runs). */
  ci: string | null;
  /** e.g. 'n=2, 1 diverged' when the cell is not a plain cell of the table's usual run count. */
  runs: string | null;
  paper: { mean: string; ci: string | null; diff: string | null } | null;
}

export function cellText(cell: TableCell, table: ReportTable): CellText {
  const digits = table.metric.digits;
  const { summary, diverged, failed } = cell.row;
  const notes: string[] = [];
  if (runCount(cell.row) !== table.typicalRuns || diverged > 0 || failed > 0) notes.push(`n=${summary.n}`);
  if (diverged > 0) notes.push(`${diverged} diverged`);
  if (failed > 0) notes.push(`${failed} failed`);
  const paper = cell.paper;
  return {
    mean: summary.mean === null ? MISSING : fixed(summary.mean, digits),
    ci: summary.ci95 === null ? null : fixed(summary.ci95, digits),
    runs: notes.length > 0 ? notes.join(', ') : null,
    paper: paper
      ? {
          mean: fixed(paper.mean, digits),
          ci: paper.ci95 === null ? null : fixed(paper.ci95, digits),
          diff: paper.diff === null ? null : signed(paper.diff, digits),
        }
      : null,
  };
}

export function ashBestText(verdict: ColumnVerdict): string {
  const ours = verdict.ashBest === null ? 'no ASH runs' : verdict.ashBest ? 'yes' : `no (${verdict.best.join(', ')})`;
  if (!verdict.paper) return ours;
  const paper = verdict.paper.ashBest === null ? 'no ASH row' : verdict.paper.ashBest ? 'yes' : 'no';
  return `${ours} / ${paper}`;
}

export function tauText(verdict: ColumnVerdict): string {
  if (!verdict.paper) return MISSING;
  const { tau, pairs } = verdict.paper;
  return tau === null ? `${MISSING} (${pairs} activations)` : `${fixed(tau, 2)} (${pairs} activations)`;
}

export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

export function welchText(verdict: ColumnVerdict, digits: number): string {
  const w = verdict.welch;
  if (!w) return MISSING;
  if (!w.result) return `${MISSING} (${w.reason})`;
  return `p = ${formatP(w.result.p)} (${w.ash} ${signed(w.result.meanDiff, digits)} vs ${w.baseline})`;
}

/** The row labels of the verdict rows, in print order; the τ row only when compared with the paper. */
export function verdictRows(table: ReportTable): { label: string; text: (v: ColumnVerdict) => string }[] {
  const rows: { label: string; text: (v: ColumnVerdict) => string }[] = [];
  if (table.paper) rows.push({ label: "Kendall's τ vs paper", text: tauText });
  // Without any ASH cell the ASH rows would say nothing.
  if (table.paper || table.columns.some((c) => c.verdict.ashBest !== null)) {
    rows.push({ label: table.paper ? 'ASH best? ours / paper' : 'ASH best?', text: ashBestText });
    rows.push({ label: 'Welch p, ASH vs best baseline', text: (v) => welchText(v, table.metric.digits) });
  }
  return rows;
}

export function columnTitle(column: ReportTable['columns'][number]): string {
  return column.paperModel && column.paperModel !== paperModelKey(column.model)
    ? `${column.title} (vs paper ${modelDisplayName(column.paperModel)})`
    : column.title;
}

export function tableCaption(table: ReportTable): string {
  const paper = table.paper ? `, vs paper ${table.paper.id}` : '';
  return `${table.title} (sweep ${table.sweep}${paper})`;
}

export function legend(table: ReportTable): string {
  const cell = table.paper ? 'mean ± 95% CI, ours and the paper\'s, and the difference ours - paper' : 'mean ± 95% CI';
  const direction = table.metric.higherIsBetter ? 'highest' : 'lowest';
  return (
    `Cells: ${cell}, CI half-width t(0.975, n-1)·sd/√n over ${table.typicalRuns} run${table.typicalRuns === 1 ? '' : 's'} unless marked; ` +
    `${MISSING}: not available (one finished run has no CI); bold: ${direction} mean of the column.`
  );
}
