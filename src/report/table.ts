// The layout of one paper-style table (activations x models for one sweep, dataset and metric), independent of
// the output format. Each renderer (md, tex, csv, html) only decides how to print it.
import { UserError, unknownName } from '../engine/errors.js';
import { kendallTauB } from '../stats/kendall.js';
import { welchTTest, type WelchResult } from '../stats/welch.js';
import type { AggregateRow } from './aggregate.js';
import { metricInfo, type MetricInfo } from '../tasks/catalog.js';
import { datasetDisplayName, modelColumnTitle, modelDisplayName, paperActivationLabel, paperModelKey, paperOrder, PAPER_ACTIVATION_ORDER, PAPER_MODEL_ORDER } from './names.js';
import { paperEntry, paperModels, type PaperTable } from './paper.js';
import type { ColumnPower } from './power-check.js';

export interface PaperCell {
  mean: number;
  ci95: number | null;
  /** ours - paper. */
  diff: number | null;
}

export interface TableCell {
  row: AggregateRow;
  /** Best mean of its column (ties all bold). */
  best: boolean;
  paper?: PaperCell;
}

export interface WelchVerdict {
  ash: string;
  baseline: string;
  result: WelchResult | null;
  /** Why there is no p-value (too few runs, zero variance). */
  reason?: string;
}

export interface ColumnVerdict {
  /** Labels of the rows with the best mean; empty when no row has a value. */
  best: string[];
  /** Our ASH row is (one of) the best; null when there is no ASH row with a value. */
  ashBest: boolean | null;
  welch: WelchVerdict | null;
  /** Present when the column is compared with the paper. */
  paper?: { ashBest: boolean | null; tau: number | null; pairs: number };
}

export interface TableColumn {
  model: string;
  title: string;
  /** The paper's column this one is compared with, or null when there is none. */
  paperModel: string | null;
  verdict: ColumnVerdict;
}

export interface TableRow {
  label: string;
  /** The paper's row label this row is compared with, if any. */
  paperLabel?: string;
  cells: (TableCell | null)[];
}

export interface ReportTable {
  sweep: string;
  dataset: string;
  metric: MetricInfo;
  title: string;
  columns: TableColumn[];
  rows: TableRow[];
  /** The run count most cells have; cells with another count say so. */
  typicalRuns: number;
  paper?: { id: string; notes: string[] };
  notes: string[];
  /** With a paper comparison: per column, the seeds needed to detect the paper's ASH gap (power-check.ts). */
  power?: ColumnPower[];
}

export interface PaperOptions {
  table: PaperTable;
  /** `--paper-model`: 'resnet164' for every column without a paper column, or 'resnet20=resnet164,...'. */
  paperModel?: string;
  /**
   * `--paper-dataset`: our dataset that stands in for the table's (a CPU proxy such as fashion-scenes for ADE20K).
   * Its tables are compared with a note: the values differ by construction, the ranking is what carries over.
   */
  standIn?: string;
}

/** Runs behind a cell, finished or not. */
export function runCount(row: AggregateRow): number {
  return row.summary.n + row.diverged + row.failed;
}

/** Which row stands for which paper row: its label first, else its activation name when no other row claims it. */
function assignPaperLabels(rows: readonly AggregateRow[]): Map<string, string> {
  const byLabel = new Map<string, string>();
  const taken = new Set<string>();
  const labels = [...new Set(rows.map((r) => r.label))];
  for (const label of labels) {
    const paper = paperActivationLabel(label);
    if (paper && !taken.has(paper)) {
      byLabel.set(label, paper);
      taken.add(paper);
    }
  }
  const candidates = new Map<string, string[]>();
  for (const label of labels) {
    if (byLabel.has(label)) continue;
    const activation = rows.find((r) => r.label === label)!.activation;
    const paper = paperActivationLabel(activation);
    if (paper && !taken.has(paper)) candidates.set(paper, [...(candidates.get(paper) ?? []), label]);
  }
  for (const [paper, claimants] of candidates) if (claimants.length === 1) byLabel.set(claimants[0]!, paper);
  return byLabel;
}

function isBetter(metric: MetricInfo, a: number, b: number): boolean {
  return metric.higherIsBetter ? a > b : a < b;
}

function bestOf<T>(metric: MetricInfo, items: readonly T[], value: (t: T) => number | null): T[] {
  let best: number | null = null;
  for (const item of items) {
    const v = value(item);
    if (v !== null && (best === null || isBetter(metric, v, best))) best = v;
  }
  return best === null ? [] : items.filter((item) => value(item) === best);
}

function welchVerdict(metric: MetricInfo, cells: readonly TableCell[], paperLabels: Map<string, string>): WelchVerdict | null {
  const ash = cells.find((c) => paperLabels.get(c.row.label) === 'ASH');
  // Baselines are the other activations; ASH variants under custom labels are not baselines of ASH.
  const baselines = cells.filter((c) => c !== ash && paperActivationLabel(c.row.activation) !== 'ASH');
  const baseline = bestOf(metric, baselines, (c) => c.row.summary.mean)[0];
  if (!ash || !baseline || ash.row.summary.mean === null) return null;
  const result = welchTTest(ash.row.values, baseline.row.values);
  const verdict: WelchVerdict = { ash: ash.row.label, baseline: baseline.row.label, result };
  if (!result) {
    verdict.reason =
      ash.row.values.length < 2 || baseline.row.values.length < 2 ? 'needs >= 2 finished runs each' : 'both samples constant';
  }
  return verdict;
}

function resolvePaperModel(model: string, paper: PaperOptions, notes: string[]): string | null {
  const available = paperModels(paper.table);
  const entries = (paper.paperModel ?? '').split(',').map((p) => p.split('=').map((s) => s.trim()));
  const explicit = entries.find((e) => e.length === 2 && e[0] === model);
  if (explicit) return explicit[1]!;
  const own = paperModelKey(model) ?? model;
  if (available.includes(own)) return own;
  // A bare paper model is the fallback for every column the paper does not have.
  const fallback = entries.find((e) => e.length === 1 && e[0] !== '');
  if (fallback) return fallback[0]!;
  notes.push(
    `${model}: ${paper.table.id} has no matching column (paper models: ${available.join(', ')}); ` +
      `choose one with --paper-model ${model}=<paper model> to compare`,
  );
  return null;
}

/** Checks every paper model named by `--paper-model` exists in the table, so a typo fails loudly. */
export function validatePaperModelOption(table: PaperTable, option: string | undefined): void {
  if (!option) return;
  const available = paperModels(table);
  for (const part of option.split(',')) {
    const pieces = part.split('=').map((s) => s.trim());
    if (pieces.length > 2 || pieces.some((p) => p === '')) {
      throw new UserError(`--paper-model: expected a paper model or OURS=PAPER pairs separated by commas, got '${option}'`);
    }
    const target = pieces[pieces.length - 1]!;
    if (!available.includes(target)) throw unknownName(`model of ${table.id}`, target, available);
  }
}

/** One table per (sweep, dataset, metric) of the given rows; rows in the paper's order, columns likewise. */
export function buildTables(rows: readonly AggregateRow[], paper?: PaperOptions, metricOrder: readonly string[] = []): ReportTable[] {
  const metricRank = (m: string): number => (metricOrder.includes(m) ? metricOrder.indexOf(m) : metricOrder.length);
  const keys = [...new Set(rows.map((r) => JSON.stringify([r.sweep, r.dataset, r.metric])))].sort((a, b) => {
    const [sa, da, ma] = JSON.parse(a) as string[];
    const [sb, db, mb] = JSON.parse(b) as string[];
    return sa!.localeCompare(sb!) || da!.localeCompare(db!) || metricRank(ma!) - metricRank(mb!) || ma!.localeCompare(mb!);
  });
  return keys.map((key) => {
    const [sweep, dataset, metricKey] = JSON.parse(key) as [string, string, string];
    return buildTable(
      rows.filter((r) => r.sweep === sweep && r.dataset === dataset && r.metric === metricKey),
      sweep,
      dataset,
      metricInfo(metricKey),
      paper,
    );
  });
}

function buildTable(rows: readonly AggregateRow[], sweep: string, dataset: string, metric: MetricInfo, paper?: PaperOptions): ReportTable {
  const notes: string[] = [];
  const paperLabels = assignPaperLabels(rows);
  const labels = paperOrder(
    [...new Set(rows.map((r) => r.label))],
    PAPER_ACTIVATION_ORDER,
    (label) => paperLabels.get(label) ?? paperActivationLabel(rows.find((r) => r.label === label)!.activation),
    (label) => label,
  );
  const models = paperOrder([...new Set(rows.map((r) => r.model))], PAPER_MODEL_ORDER, (m) => paperModelKey(m), (m) => m);

  let compare: PaperOptions | undefined = paper;
  const standIn = paper?.standIn !== undefined && paper.standIn === dataset && paper.table.dataset !== dataset;
  if (standIn) {
    notes.push(
      `${datasetDisplayName(dataset)} stands in for ${datasetDisplayName(paper!.table.dataset)} (--paper-dataset): ` +
        `the values are not comparable, compare the ranking (Kendall's τ, best activation)`,
    );
  }
  if (paper && paper.table.dataset !== dataset && !standIn) {
    notes.push(`${paper.table.id} reports ${datasetDisplayName(paper.table.dataset)}, this table is ${datasetDisplayName(dataset)}: not compared`);
    compare = undefined;
  } else if (paper && !paper.table.entries.some((e) => e.metric === metric.key)) {
    const has = [...new Set(paper.table.entries.map((e) => e.metric))].join(', ');
    notes.push(`${paper.table.id} has no ${metric.key} (it has ${has}): not compared`);
    compare = undefined;
  }

  const cellOf = (label: string, model: string): TableCell | null => {
    const row = rows.find((r) => r.label === label && r.model === model);
    return row ? { row, best: false } : null;
  };
  const grid = labels.map((label) => models.map((model) => cellOf(label, model)));

  const columns = models.map((model, col): TableColumn => {
    const cells = grid.map((r) => r[col]).filter((c): c is TableCell => c !== null);
    const best = bestOf(metric, cells, (c) => c.row.summary.mean);
    for (const cell of best) cell.best = true;
    const ash = cells.find((c) => paperLabels.get(c.row.label) === 'ASH' && c.row.summary.mean !== null);
    const verdict: ColumnVerdict = {
      best: best.map((c) => c.row.label),
      ashBest: ash ? best.includes(ash) : null,
      welch: welchVerdict(metric, cells, paperLabels),
    };
    const paperModel = compare ? resolvePaperModel(model, compare, notes) : null;
    if (compare && paperModel) {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (const cell of cells) {
        const paperLabel = paperLabels.get(cell.row.label);
        const entry = paperLabel ? paperEntry(compare.table, paperLabel, metric.key, paperModel) : undefined;
        if (!entry) continue;
        const mean = cell.row.summary.mean;
        cell.paper = { mean: entry.mean, ci95: entry.ci95, diff: mean === null ? null : mean - entry.mean };
        if (mean !== null) {
          ours.push(mean);
          theirs.push(entry.mean);
        }
      }
      const column = compare.table.entries.filter((e) => e.model === paperModel && e.metric === metric.key);
      const paperBest = bestOf(metric, column, (e) => e.mean);
      const paperAsh = column.find((e) => e.activation === 'ASH');
      verdict.paper = { ashBest: paperAsh ? paperBest.includes(paperAsh) : null, tau: kendallTauB(ours, theirs), pairs: ours.length };
    }
    return { model, title: modelColumnTitle(model), paperModel, verdict };
  });

  const counts = rows.map(runCount);
  const typicalRuns = mode(counts);
  return {
    sweep,
    dataset,
    metric,
    title: `${datasetDisplayName(dataset)}: ${metric.title}`,
    columns,
    rows: labels.map((label, i) => {
      const paperLabel = paperLabels.get(label);
      return { label, ...(paperLabel && compare ? { paperLabel } : {}), cells: grid[i]! };
    }),
    typicalRuns,
    ...(compare ? { paper: { id: compare.table.id, notes: compare.table.notes } } : {}),
    notes,
  };
}

function mode(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v > best)) [best, bestCount] = [v, c];
  return best;
}
