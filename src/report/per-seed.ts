// Every run's number, seed by seed: what a mean ± CI cell summarises, so a reader can see the spread and
// which seed diverged or failed.
import { rowLabel, type AggregateRow } from './aggregate.js';
import type { LoadedResult } from './load.js';
import { metricInfo } from '../tasks/catalog.js';

export interface PerSeedRow {
  label: string;
  model: string;
  dataset: string;
  /** One entry per seed of the table: the value in report units, or why there is none. */
  cells: (number | 'diverged' | 'failed' | null)[];
}

export interface PerSeedTable {
  metric: string;
  title: string;
  digits: number;
  seeds: number[];
  rows: PerSeedRow[];
}

/** One table per metric: rows as in the summary tables (label, model, dataset), a column per seed. */
export function perSeedTables(rows: readonly AggregateRow[], runs: readonly LoadedResult[]): PerSeedTable[] {
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const seeds = [...new Set(runs.map((r) => r.result.spec.seed))].sort((a, b) => a - b);
  return metrics.map((metric) => {
    const info = metricInfo(metric);
    return {
      metric,
      title: info.title,
      digits: info.digits,
      seeds,
      rows: rows
        .filter((r) => r.metric === metric)
        .map((row) => ({
          label: row.label,
          model: row.model,
          dataset: row.dataset,
          cells: seeds.map((seed) => {
            const at = row.seeds.indexOf(seed);
            if (at >= 0) return row.values[at]!;
            const run = runs.find((r) => r.result.spec.seed === seed && r.result.spec.model === row.model && r.result.spec.dataset === row.dataset && rowLabel(r.result) === row.label);
            if (!run) return null;
            return run.result.status === 'failed' ? 'failed' : 'diverged';
          }),
        })),
    };
  });
}
