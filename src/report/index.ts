// The report API: results directory -> tables (md, csv, tex, json), figures (svg) and a self-contained html page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { buildReport, type Report, type ReportOptions } from './build.js';
import { renderCsv } from './csv.js';
import { activationCurvesFigure, sweepFigures, type Figure } from './figures/index.js';
import { exampleGrids, type ExampleGrid } from './figures/examples.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderLatex } from './latex.js';
import { formatProblems, loadResults } from './load.js';
import { renderMarkdown, renderMarkdownSweep, renderProblems } from './markdown.js';
import { renderRunsCsv } from './runs-csv.js';

export { buildReport } from './build.js';
export type { Report, ReportOptions, SweepReport } from './build.js';
export { loadResults, formatProblems } from './load.js';
export type { LoadedResult, LoadedResults, LoadProblem } from './load.js';
export { loadPaperTable, listPaperTables } from './paper.js';
export type { PaperTable, PaperEntry } from './paper.js';
export { reportRows } from './json.js';
export type { JsonReportRow } from './json.js';
export { renderMarkdown, renderCsv, renderLatex, renderJson, renderHtml, renderRunsCsv };

export const REPORT_FORMATS = ['md', 'csv', 'tex', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
const EXTENSIONS: Record<ReportFormat, string> = { md: 'md', csv: 'csv', tex: 'tex', html: 'html', json: 'json' };

/** Loads a results directory and builds the report; a directory without a single usable result is a UserError. */
export function reportFromDir(dir: string, options: ReportOptions = {}): Report {
  const loaded = loadResults(dir);
  if (loaded.results.length === 0) {
    throw new UserError(`no usable results in ${dir}:\n${formatProblems(loaded.problems)}`);
  }
  return buildReport(loaded, options);
}

/** The report restricted to one sweep (for one html page per sweep). */
export function sweepOnly(report: Report, sweep: string): Report {
  return { ...report, sweeps: report.sweeps.filter((s) => s.sweep === sweep) };
}

export interface ReportFigures {
  shared: Figure[];
  sweeps: Map<string, Figure[]>;
  /** Example predictions per sweep (segmentation), embedded in the html page only. */
  examples: Map<string, ExampleGrid[]>;
}

export async function reportFigures(report: Report): Promise<ReportFigures> {
  const sweeps = new Map<string, Figure[]>();
  const examples = new Map<string, ExampleGrid[]>();
  for (const sweep of report.sweeps) {
    sweeps.set(sweep.sweep, await sweepFigures(sweep));
    examples.set(sweep.sweep, exampleGrids(sweep));
  }
  return { shared: [await activationCurvesFigure()], sweeps, examples };
}

export async function renderReport(report: Report, format: ReportFormat, figures?: ReportFigures): Promise<string> {
  switch (format) {
    case 'md':
      return renderMarkdown(report);
    case 'csv':
      return renderCsv(report);
    case 'tex':
      return renderLatex(report);
    case 'json':
      return renderJson(report);
    case 'html':
      return renderHtml(report, figures ?? (await reportFigures(report)));
  }
}

/**
 * Writes report.<ext> for each format plus figures/*.svg into outDir (and runs.csv, a row per run, with csv); with several sweeps, also one
 * report-<sweep>.html per sweep. Returns the paths written.
 */
export async function writeReport(report: Report, outDir: string, formats: readonly ReportFormat[] = REPORT_FORMATS): Promise<string[]> {
  mkdirSync(join(outDir, 'figures'), { recursive: true });
  const written: string[] = [];
  const write = (path: string, text: string): void => {
    writeFileSync(path, text);
    written.push(path);
  };
  const figures = await reportFigures(report);
  for (const figure of [...figures.shared, ...[...figures.sweeps.values()].flat()]) write(join(outDir, 'figures', figure.name), figure.svg);
  for (const format of formats) write(join(outDir, `report.${EXTENSIONS[format]}`), await renderReport(report, format, figures));
  // With the tables' CSV, every run's own numbers beside it.
  if (formats.includes('csv')) write(join(outDir, 'runs.csv'), renderRunsCsv(report));
  if (formats.includes('html') && report.sweeps.length > 1) {
    for (const sweep of report.sweeps) {
      const name = sweep.sweep.replace(/[^\w.-]+/g, '_');
      write(join(outDir, `report-${name}.html`), renderHtml(sweepOnly(report, sweep.sweep), figures));
    }
  }
  return written;
}

export interface SweepSummaryOptions extends Omit<ReportOptions, 'metrics'> {
  /** Metric to tabulate; default: the results' primary metric. */
  metric?: string;
}

/**
 * The Markdown tables of one sweep directory (<sweepDir>/<jobId>/result.json), with the paper comparison when the
 * sweep names its paper table: what the sweep runner prints when a sweep ends. Never throws on bad result files;
 * they are listed in the text.
 */
export function renderSweepSummary(sweepDir: string, options: SweepSummaryOptions = {}): string {
  const loaded = loadResults(sweepDir);
  if (loaded.results.length === 0) return `No results to summarize in ${sweepDir}:\n${formatProblems(loaded.problems)}\n`;
  const { metric, ...rest } = options;
  const report = buildReport(loaded, { ...rest, ...(metric ? { metrics: [metric] } : {}) });
  const problems = renderProblems(report).join('\n');
  const parts = [...(problems ? [problems] : []), ...report.sweeps.map((s) => renderMarkdownSweep(s, { claims: false }))];
  return `${parts.join('\n\n')}\n`;
}
