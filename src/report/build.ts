// From loaded results to a format-independent report: aggregated rows, paper-style tables, run metadata.
import { UserError } from '../engine/errors.js';
import { aggregate, recordedMetrics, type AggregateRow } from './aggregate.js';
import type { LoadedResult, LoadedResults, LoadProblem, SweepInfo } from './load.js';
import { runMetadata, type RunMetadata } from './metadata.js';
import { loadPaperTable, PAPER_DATA_DIR, type PaperTable } from './paper.js';
import { buildTables, validatePaperModelOption, type ReportTable } from './table.js';
import { DEFAULT_CONVERGENCE_TOLERANCE, sweepClaims, type SweepClaims } from './claims.js';
import { tablePower } from './power-check.js';

export interface ReportOptions {
  /** Metric keys to tabulate; default: the primary metric of each task in the results (top1, miou, map50). */
  metrics?: readonly string[];
  /** Paper table to compare with ('table2-cifar10'); default: the one the sweep's specs name, if any. */
  paper?: string;
  /** Paper column for our models that have none (see PaperOptions.paperModel). */
  paperModel?: string;
  /** Our dataset that stands in for the paper table's (e.g. fashion-scenes for ADE20K): its tables are compared too (see PaperOptions.standIn). */
  paperDataset?: string;
  paperDir?: string;
  /** Convergence epoch tolerance as a fraction of the final validation loss; default 0.05. */
  convergenceTolerance?: number;
}

export interface SweepReport {
  sweep: string;
  results: LoadedResult[];
  rows: AggregateRow[];
  tables: ReportTable[];
  metadata: RunMetadata;
  paperTable?: PaperTable;
  /** Convergence epochs, ASH's learned z and k, time and memory per activation. */
  claims: SweepClaims;
}

export interface Report {
  root: string;
  metrics: string[];
  sweeps: SweepReport[];
  /** Files that could not be used; they are listed in every format, never dropped silently. */
  problems: LoadProblem[];
  notes: string[];
}

function sweepPaperTable(
  sweep: string,
  runs: readonly LoadedResult[],
  options: ReportOptions,
  explicit: PaperTable | undefined,
  info: SweepInfo | undefined,
  notes: string[],
): PaperTable | undefined {
  if (explicit) return explicit;
  const fromSweepFile = info?.paper;
  const named = [...new Set([...runs.map((r) => r.result.spec.paper), fromSweepFile].filter((p): p is string => p !== undefined))];
  if (named.length > 1) {
    notes.push(`sweep ${sweep}: its runs name different paper tables (${named.join(', ')}); not compared, choose one with --paper`);
    return undefined;
  }
  if (named.length === 0) return undefined;
  try {
    const table = loadPaperTable(named[0]!, options.paperDir ?? PAPER_DATA_DIR);
    validatePaperModelOption(table, options.paperModel);
    return table;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    notes.push(`sweep ${sweep}: paper table '${named[0]}' (named by the sweep): ${err.message}; not compared`);
    return undefined;
  }
}

/** The primary metric of every task among the results, in the order first seen (top1 when there are none). */
function primaryMetrics(results: readonly LoadedResult[]): string[] {
  const found = [...new Set(results.map((r) => r.result.primaryMetric))];
  return found.length > 0 ? found : ['top1'];
}

export function buildReport(loaded: LoadedResults, options: ReportOptions = {}): Report {
  const metrics = [...(options.metrics && options.metrics.length > 0 ? options.metrics : primaryMetrics(loaded.results))];
  const notes: string[] = [];
  const recorded = recordedMetrics(loaded.results);
  if (loaded.results.length > 0) {
    const missing = metrics.filter((m) => !recorded.includes(m));
    if (missing.length === metrics.length) {
      throw new UserError(`no run in ${loaded.root} recorded metric ${missing.join(', ')}; recorded metrics: ${recorded.join(', ') || 'none'}`);
    }
    if (missing.length > 0) notes.push(`no run recorded ${missing.join(', ')} (recorded: ${recorded.join(', ')})`);
  }
  const explicit = options.paper ? loadPaperTable(options.paper, options.paperDir ?? PAPER_DATA_DIR) : undefined;
  if (explicit) validatePaperModelOption(explicit, options.paperModel);

  const { rows, scaledToPercent } = aggregate(loaded.results, metrics);
  for (const metric of scaledToPercent) notes.push(`${metric} was recorded as a fraction; shown in percent (x100) like the paper`);

  const sweepNames = [...new Set(loaded.results.map((r) => r.sweep))].sort();
  const sweeps = sweepNames.map((sweep): SweepReport => {
    const runs = loaded.results.filter((r) => r.sweep === sweep);
    const sweepRows = rows.filter((r) => r.sweep === sweep);
    const paperTable = sweepPaperTable(sweep, runs, options, explicit, loaded.sweeps.get(sweep), notes);
    const tables = buildTables(sweepRows, paperTable ? { table: paperTable, paperModel: options.paperModel, standIn: options.paperDataset } : undefined, metrics);
    if (paperTable) for (const table of tables) if (table.paper) table.power = tablePower(table, paperTable);
    return {
      sweep,
      results: runs,
      rows: sweepRows,
      tables,
      metadata: runMetadata(runs),
      ...(paperTable ? { paperTable } : {}),
      claims: sweepClaims(runs, options.convergenceTolerance ?? DEFAULT_CONVERGENCE_TOLERANCE),
    };
  });
  if (options.paperModel && !explicit && sweeps.every((s) => !s.paperTable)) {
    notes.push('--paper-model has no effect without --paper (or a sweep naming its paper table)');
  }
  return { root: loaded.root, metrics, sweeps, problems: loaded.problems, notes };
}
