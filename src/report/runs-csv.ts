// runs.csv: one row per run (every seed, diverged and failed ones too), for anyone who wants to redo the
// statistics elsewhere: the final metrics, the convergence epoch, the mean epoch time, peak memory and, for
// ASH runs, the mean learned z of the last epoch.
import { stringify } from 'csv-stringify/sync';
import type { Report } from './build.js';
import { convergenceEpoch, runPeakRssMB } from './claims.js';
import { rowLabel } from './aggregate.js';

export function renderRunsCsv(report: Report): string {
  const runs = report.sweeps.flatMap((s) => s.results.map((r) => ({ sweep: s.sweep, run: r, tolerance: s.claims.tolerance })));
  const metrics = [...new Set(runs.flatMap(({ run }) => Object.keys(run.result.metrics)))].sort();
  const header = ['sweep', 'jobId', 'label', 'activation', 'model', 'dataset', 'seed', 'status', ...metrics, 'epochs', 'convergenceEpoch', 'meanEpochSeconds', 'peakRssMB', 'ashMeanZ'];
  const records: (string | number | null)[][] = [header];
  for (const { sweep, run, tolerance } of runs) {
    const r = run.result;
    const seconds = r.history.map((h) => h.seconds).filter((s): s is number => s !== null);
    const last = r.history[r.history.length - 1];
    const zs = (last?.ash ?? []).map((s) => s.z).filter((z): z is number => z !== null);
    records.push([
      sweep,
      r.jobId,
      rowLabel(r),
      r.spec.activation.name,
      r.spec.model,
      r.spec.dataset,
      r.spec.seed,
      r.status,
      ...metrics.map((m) => r.metrics[m] ?? null),
      r.history.length,
      r.status === 'ok' ? convergenceEpoch(r.history, tolerance) : null,
      seconds.length > 0 ? seconds.reduce((a, b) => a + b, 0) / seconds.length : null,
      runPeakRssMB(r),
      zs.length > 0 ? zs.reduce((a, b) => a + b, 0) / zs.length : null,
    ]);
  }
  return stringify(records);
}
