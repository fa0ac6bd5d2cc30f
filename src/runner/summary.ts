// The end-of-sweep table: one row per activation label x model x dataset, with how many runs ended
// in each status and the mean top-1/top-5 of the ok ones. Plain text; the stats module makes richer ones.
import type { JobResult, JobStatus } from './result.js';
import type { PlannedJob } from './plan.js';

export interface SummaryRow {
  label: string;
  model: string;
  dataset: string;
  /** Jobs planned for this cell. */
  n: number;
  counts: Record<JobStatus | 'missing', number>;
  /** Means over ok runs; null when there are none. */
  top1: number | null;
  top5: number | null;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Rows in grid order. `results` maps job id to its result (absent when the job has none). */
export function summarize(jobs: PlannedJob[], results: Map<string, JobResult>): SummaryRow[] {
  const cells = new Map<string, { row: SummaryRow; top1: number[]; top5: number[] }>();
  for (const job of jobs) {
    const key = JSON.stringify([job.spec.label, job.spec.model, job.spec.dataset]);
    let cell = cells.get(key);
    if (!cell) {
      const row: SummaryRow = {
        label: job.spec.label,
        model: job.spec.model,
        dataset: job.spec.dataset,
        n: 0,
        counts: { ok: 0, diverged: 0, failed: 0, missing: 0 },
        top1: null,
        top5: null,
      };
      cell = { row, top1: [], top5: [] };
      cells.set(key, cell);
    }
    cell.row.n++;
    const result = results.get(job.id);
    cell.row.counts[result?.status ?? 'missing']++;
    if (result?.status === 'ok') {
      if (result.metrics.top1 !== null) cell.top1.push(result.metrics.top1);
      if (result.metrics.top5 !== null) cell.top5.push(result.metrics.top5);
    }
  }
  return [...cells.values()].map(({ row, top1, top5 }) => ({ ...row, top1: mean(top1), top5: mean(top5) }));
}

/** A Markdown table (readable as plain text in a terminal or CI log, and pasteable into notes). */
export function formatSummary(rows: SummaryRow[]): string {
  const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  const header = ['activation', 'model', 'dataset', 'n', 'top1 %', 'top5 %', 'ok', 'diverged', 'failed'];
  const body = rows.map((r) => {
    const cells = [r.label, r.model, r.dataset, String(r.n), fmt(r.top1), fmt(r.top5), String(r.counts.ok), String(r.counts.diverged), String(r.counts.failed)];
    if (r.counts.missing > 0) cells[3] += ` (${r.counts.missing} missing)`;
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8]);
  const line = (cells: string[]) => `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
