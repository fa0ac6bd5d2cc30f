// LaTeX: booktabs tables in the paper's layout, ready to \input.
import type { Report } from './build.js';
import { cellText, columnTitle, legend, MISSING, tableCaption, verdictRows } from './cell-text.js';
import { metadataLine } from './metadata.js';
import type { ReportTable, TableCell } from './table.js';

const SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

export function escapeTex(text: string): string {
  return text
    .replace(/[\\&%$#_{}~^]/g, (c) => SPECIALS[c]!)
    .replace(/±/g, '$\\pm$')
    .replace(/τ/g, '$\\tau$')
    .replace(/·/g, '$\\cdot$')
    .replace(/√n/g, '$\\sqrt{n}$')
    .replace(new RegExp(MISSING, 'g'), '--');
}

function texNumber(text: string): string {
  return text === MISSING ? '--' : text.replace(/^-/, '$-$');
}

/** A model's cells: ours, and with a paper table the paper's value and the difference as columns of their own. */
function renderCells(cell: TableCell | null, table: ReportTable): string[] {
  const withPaper = Boolean(table.paper);
  if (!cell) return withPaper ? ['', '', ''] : [''];
  const t = cellText(cell, table);
  const ours = `${texNumber(t.mean)} $\\pm$ ${t.ci === null ? '--' : t.ci}`;
  let text = cell.best ? `\\textbf{${ours}}` : ours;
  if (t.runs) text += ` {\\scriptsize (${escapeTex(t.runs)})}`;
  if (!withPaper) return [text];
  return [text, t.paper ? `${t.paper.mean} $\\pm$ ${t.paper.ci ?? '--'}` : '--', texNumber(t.paper?.diff ?? MISSING)];
}

/**
 * The header: one row of model titles, and with a paper table a second row naming each model's three columns
 * (ours, paper, difference) under its title, as the Markdown and HTML tables have them.
 */
function headerLines(table: ReportTable): string[] {
  const titles = table.columns.map((c) => escapeTex(columnTitle(c)));
  if (!table.paper) return [`Activation & ${titles.join(' & ')} \\\\`];
  const rules = table.columns.map((_, i) => `\\cmidrule(lr){${2 + 3 * i}-${4 + 3 * i}}`).join(' ');
  return [
    `Activation & ${titles.map((t) => `\\multicolumn{3}{c}{${t}}`).join(' & ')} \\\\`,
    rules,
    ` & ${table.columns.map(() => 'ours & paper & $\\Delta$ ours $-$ paper').join(' & ')} \\\\`,
  ];
}

export function renderLatexTable(table: ReportTable): string {
  const perModel = table.paper ? 3 : 1;
  const lines = [
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${escapeTex(tableCaption(table))}. ${escapeTex(legend(table))}}`,
    `\\begin{tabular}{l${'r'.repeat(table.columns.length * perModel)}}`,
    '\\toprule',
    ...headerLines(table),
    '\\midrule',
  ];
  for (const row of table.rows) {
    lines.push(`${escapeTex(row.label)} & ${row.cells.flatMap((c) => renderCells(c, table)).join(' & ')} \\\\`);
  }
  const verdicts = verdictRows(table);
  if (verdicts.length > 0) lines.push('\\midrule');
  // A verdict speaks for the whole model: with a paper table it spans the model's three columns.
  const spanned = (text: string): string => (perModel === 1 ? text : `\\multicolumn{3}{l}{${text}}`);
  for (const v of verdicts) {
    lines.push(`\\emph{${escapeTex(v.label)}} & ${table.columns.map((c) => spanned(escapeTex(v.text(c.verdict)))).join(' & ')} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}', '\\end{table}');
  for (const note of table.notes) lines.push(`% Note: ${note}`);
  if (table.paper) for (const note of table.paper.notes) lines.push(`% Paper ${table.paper.id}: ${note}`);
  return lines.join('\n');
}

/** A fragment for \input: needs \usepackage{booktabs}. */
export function renderLatex(report: Report): string {
  const parts = [`% ash-bench report: ${report.root} (needs \\usepackage{booktabs})`];
  for (const p of report.problems) parts.push(`% Skipped ${p.file}: ${p.message}`);
  for (const n of report.notes) parts.push(`% Note: ${n}`);
  for (const sweep of report.sweeps) {
    parts.push('', `% Sweep ${sweep.sweep}: ${metadataLine(sweep.metadata)}`);
    for (const table of sweep.tables) parts.push('', renderLatexTable(table));
  }
  return `${parts.join('\n')}\n`;
}
