// Markdown: the paper's table layout as GitHub-flavoured Markdown.
import type { Report, SweepReport } from './build.js';
import { cellText, columnTitle, legend, tableCaption, verdictRows } from './cell-text.js';
import { metadataLine } from './metadata.js';
import type { ReportTable, TableCell } from './table.js';
import { claimTables, powerLines, type TextTable } from './claims-text.js';

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** A model's cells: ours, and with a paper table the paper's value and the difference as columns of their own. */
function renderCells(cell: TableCell | null, table: ReportTable): string[] {
  const withPaper = Boolean(table.paper);
  if (!cell) return withPaper ? ['', '', ''] : [''];
  const t = cellText(cell, table);
  const ours = `${t.mean} ± ${t.ci ?? '—'}`;
  let text = cell.best ? `**${ours}**` : ours;
  if (t.runs) text += ` (${t.runs})`;
  if (!withPaper) return [escape(text)];
  return [escape(text), t.paper ? `${t.paper.mean} ± ${t.paper.ci ?? '—'}` : '—', t.paper?.diff ?? '—'];
}

export function renderMarkdownTable(table: ReportTable): string {
  const withPaper = Boolean(table.paper);
  const header = ['Activation', ...table.columns.flatMap((c) => (withPaper ? [columnTitle(c), 'paper', 'Δ ours − paper'] : [columnTitle(c)]))];
  const lines = [
    `| ${header.map(escape).join(' | ')} |`,
    `|${['---', ...header.slice(1).map(() => '---:')].join('|')}|`,
  ];
  for (const row of table.rows) {
    lines.push(`| ${[escape(row.label), ...row.cells.flatMap((c) => renderCells(c, table))].join(' | ')} |`);
  }
  for (const verdict of verdictRows(table)) {
    // A verdict speaks for the whole model: its text under the model's first column.
    lines.push(`| *${escape(verdict.label)}* | ${table.columns.flatMap((c) => (withPaper ? [escape(verdict.text(c.verdict)), '', ''] : [escape(verdict.text(c.verdict))])).join(' | ')} |`);
  }
  const after = [legend(table), ...table.notes.map((n) => `Note: ${n}`)];
  if (table.paper) after.push(...table.paper.notes.map((n) => `Paper ${table.paper!.id}: ${n}`));
  const power = powerLines(table);
  if (power.length > 0) after.push([power[0]!, '', ...power.slice(1).map((l) => `- ${escape(l)}`)].join('\n'));
  return [`### ${escape(tableCaption(table))}`, '', ...lines, '', after.join('\n\n')].join('\n');
}

export function renderMarkdownTextTable(table: TextTable): string {
  return [
    `### ${escape(table.caption)}`,
    '',
    `| ${table.header.map(escape).join(' | ')} |`,
    `|${table.header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
    '',
    table.legend,
  ].join('\n');
}

/** The tables of one sweep with its one-line metadata: what the sweep runner prints at the end. */
/** One sweep's section; `claims: false` leaves out the tables under the results (what `ash sweep` prints at its end). */
export function renderMarkdownSweep(sweep: SweepReport, options: { claims?: boolean } = {}): string {
  const parts = [`## Sweep ${sweep.sweep}`, '', metadataLine(sweep.metadata)];
  if (sweep.tables.length === 0) parts.push('', 'No table: no run of this sweep recorded the requested metric.');
  for (const table of sweep.tables) parts.push('', renderMarkdownTable(table));
  if (options.claims !== false) for (const table of claimTables(sweep.claims)) parts.push('', renderMarkdownTextTable(table));
  return parts.join('\n');
}

export function renderProblems(report: Report): string[] {
  if (report.problems.length === 0 && report.notes.length === 0) return [];
  const lines: string[] = [];
  if (report.problems.length > 0) {
    lines.push(`**Skipped ${report.problems.length} file(s):**`, '');
    for (const p of report.problems) lines.push(`- \`${p.file}\`: ${p.message}`);
  }
  if (report.notes.length > 0) {
    if (lines.length > 0) lines.push('');
    for (const n of report.notes) lines.push(`- Note: ${n}`);
  }
  return lines;
}

export function renderMarkdown(report: Report): string {
  const parts = [`# ash-bench report: ${report.root}`];
  const problems = renderProblems(report);
  if (problems.length > 0) parts.push('', ...problems);
  for (const sweep of report.sweeps) parts.push('', renderMarkdownSweep(sweep));
  return `${parts.join('\n')}\n`;
}
