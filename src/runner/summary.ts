// How the jobs of each cell (activation label x model x dataset) of a sweep ended: counts by status, and the
// jobs still missing. The results table itself is the report's (src/report), printed once at the end of a sweep.
import type { JobResult, JobStatus } from './result.js';
import type { PlannedJob } from './plan.js';

export interface SummaryRow {
  label: string;
  model: string;
  dataset: string;
  /** Jobs planned for this cell. */
  n: number;
  counts: Record<JobStatus | 'missing', number>;
}

/** Rows in grid order. `results` maps a planned job's id to its result (absent when the job has none). */
export function summarize(jobs: PlannedJob[], results: Map<string, JobResult>): SummaryRow[] {
  const cells = new Map<string, SummaryRow>();
  for (const job of jobs) {
    const key = JSON.stringify([job.spec.label, job.spec.model, job.spec.dataset]);
    let row = cells.get(key);
    if (!row) {
      row = { label: job.spec.label, model: job.spec.model, dataset: job.spec.dataset, n: 0, counts: { ok: 0, diverged: 0, failed: 0, missing: 0 } };
      cells.set(key, row);
    }
    row.n++;
    row.counts[results.get(job.id)?.status ?? 'missing']++;
  }
  return [...cells.values()];
}

/** One line per cell with jobs missing (a shard's or an interrupted sweep's), or '' when every job has a result. */
export function formatMissing(rows: readonly SummaryRow[]): string {
  return rows
    .filter((r) => r.counts.missing > 0)
    .map((r) => `  missing: ${r.counts.missing} of ${r.n} jobs of ${r.label} x ${r.model} x ${r.dataset}`)
    .join('\n');
}
