// Groups runs into table cells: one row per (sweep, label, model, dataset, metric), over seeds.
import { summarize, type Summary } from '../stats/summary.js';
import type { LoadedResult } from './load.js';
import { metricInfo, TASKS } from '../tasks/catalog.js';
import { activationLabel } from './names.js';

export interface AggregateRow {
  sweep: string;
  /** Row label: spec.label, else the activation's display name (relu -> ReLU). */
  label: string;
  /** spec.activation.name, used to match the paper's row when the label is custom. */
  activation: string;
  model: string;
  dataset: string;
  metric: string;
  /** Metric values of the runs that finished (status ok, finite value), in report units, with their seeds. */
  values: number[];
  seeds: number[];
  summary: Summary;
  /** Runs that diverged: status 'diverged', or 'ok' with a missing or non-finite value. Never dropped silently. */
  diverged: number;
  failed: number;
}

/** The row shape of `--format json`. */
export interface JsonRow extends Summary {
  sweep: string;
  activation: string;
  model: string;
  dataset: string;
  metric: string;
  diverged: number;
  failed: number;
}

export interface Aggregation {
  rows: AggregateRow[];
  /** Percent metrics that were recorded as fractions in [0, 1] and are shown x100 to match the paper. */
  scaledToPercent: string[];
}

/**
 * The row label: spec.label, except that a label that only repeats the activation name (the runner writes
 * label 'relu' for relu) is printed the paper's way ('ReLU').
 */
export function rowLabel(result: LoadedResult['result']): string {
  const { label, activation } = result.spec;
  if (label === undefined || label.toLowerCase() === activation.name.toLowerCase()) return activationLabel(activation.name);
  return label;
}

function metricValue(run: LoadedResult, metric: string): number | null | undefined {
  const metrics = run.result.metrics;
  if (!(metric in metrics)) return undefined;
  return metrics[metric] ?? null;
}

/**
 * Accuracy-like metrics may be stored as fractions (0.93) while the paper prints percent (93.0).
 * All finite values of the metric at most 1 means fractions (an accuracy of <= 1% everywhere is not a real run).
 * Only classification's metrics are ever fractions (schema-1 results); the segmentation and detection tasks
 * always wrote percent, and a detector's mAP below 1% is a real result early in training.
 */
function needsPercentScaling(runs: readonly LoadedResult[], metric: string): boolean {
  if (!metricInfo(metric).percent) return false;
  if (!TASKS.classification.metrics.some((m) => m.key === metric)) return false;
  const values = runs.map((r) => metricValue(r, metric)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length > 0 && values.every((v) => v >= 0 && v <= 1);
}

function sweepHasMetric(runs: readonly LoadedResult[], sweep: string, metric: string): boolean {
  return runs.some((r) => r.sweep === sweep && metricValue(r, metric) !== undefined);
}

export function aggregate(runs: readonly LoadedResult[], metrics: readonly string[]): Aggregation {
  const groups = new Map<string, { key: Omit<AggregateRow, 'values' | 'seeds' | 'summary' | 'diverged' | 'failed'>; runs: LoadedResult[] }>();
  for (const run of runs) {
    const { spec } = run.result;
    for (const metric of metrics) {
      const label = rowLabel(run.result);
      const id = JSON.stringify([run.sweep, label, spec.model, spec.dataset, metric]);
      let group = groups.get(id);
      if (!group) {
        group = { key: { sweep: run.sweep, label, activation: spec.activation.name, model: spec.model, dataset: spec.dataset, metric }, runs: [] };
        groups.set(id, group);
      }
      group.runs.push(run);
    }
  }
  const scaledToPercent = metrics.filter((m) => needsPercentScaling(runs, m));
  const rows: AggregateRow[] = [];
  for (const { key, runs: groupRuns } of groups.values()) {
    // A metric no run of the sweep recorded (e.g. mAP in a classification sweep) has no table there. Within a sweep
    // that has it, every group stays, even one whose runs all failed before recording anything.
    if (!sweepHasMetric(runs, key.sweep, key.metric)) continue;
    const scale = scaledToPercent.includes(key.metric) ? 100 : 1;
    const values: number[] = [];
    const seeds: number[] = [];
    let diverged = 0;
    let failed = 0;
    for (const run of [...groupRuns].sort((a, b) => a.result.spec.seed - b.result.spec.seed)) {
      const value = metricValue(run, key.metric);
      if (run.result.status === 'failed') failed++;
      else if (run.result.status === 'diverged' || typeof value !== 'number' || !Number.isFinite(value)) diverged++;
      else {
        values.push(value * scale);
        seeds.push(run.result.spec.seed);
      }
    }
    rows.push({ ...key, values, seeds, summary: summarize(values), diverged, failed });
  }
  return { rows, scaledToPercent };
}

export function toJsonRow(row: AggregateRow): JsonRow {
  const { n, mean, sd, ci95, min, max } = row.summary;
  return {
    sweep: row.sweep,
    activation: row.label,
    model: row.model,
    dataset: row.dataset,
    metric: row.metric,
    n,
    mean,
    sd,
    ci95,
    min,
    max,
    diverged: row.diverged,
    failed: row.failed,
  };
}

/** Metric keys recorded by at least one run, for the error message of a mistyped --metric. */
export function recordedMetrics(runs: readonly LoadedResult[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.result.metrics)) keys.add(key);
  return [...keys].sort();
}
