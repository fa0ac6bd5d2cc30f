// Could this sweep have seen the gap the paper claims? Per column of a table compared with the paper: the
// paper's gap between ASH and its best baseline, our measured spread of those two rows, the seeds a two-sided
// Welch test needs to detect that gap (alpha 0.05, power 0.8) and the power our run counts had.
import { sampleVariance } from '../stats/summary.js';
import { achievedPower, seedsNeeded } from '../stats/power.js';
import type { PaperTable } from './paper.js';
import type { ReportTable } from './table.js';

export const POWER_ALPHA = 0.05;
export const POWER_TARGET = 0.8;

export interface ColumnPower {
  model: string;
  paperModel: string;
  /** The paper's best non-ASH activation in that column, and ASH's mean minus its mean there. */
  baseline: string;
  paperGap: number;
  ash: { n: number; sd: number | null };
  best: { n: number; sd: number | null };
  /** Seeds per activation for POWER_TARGET; null with a note when it cannot be said, or when no number reaches it. */
  seedsNeeded: number | null;
  /** Power of the runs we have (n of each row) against the paper's gap. */
  presentPower: number | null;
  note?: string;
}

function sd(values: readonly number[]): number | null {
  return values.length >= 2 ? Math.sqrt(sampleVariance(values)) : null;
}

/** One entry per column that has a paper column with an ASH row and a baseline. */
export function tablePower(table: ReportTable, paper: PaperTable): ColumnPower[] {
  if (!table.paper) return [];
  const sign = table.metric.higherIsBetter ? 1 : -1;
  return table.columns.flatMap((column, col): ColumnPower[] => {
    if (!column.paperModel) return [];
    const entries = paper.entries.filter((e) => e.model === column.paperModel && e.metric === table.metric.key);
    const ashEntry = entries.find((e) => e.activation === 'ASH');
    const baseline = entries.filter((e) => e.activation !== 'ASH').sort((a, b) => sign * (b.mean - a.mean))[0];
    if (!ashEntry || !baseline) return [];
    const valuesOf = (paperLabel: string): number[] => table.rows.find((r) => r.paperLabel === paperLabel)?.cells[col]?.row.values ?? [];
    const ashValues = valuesOf('ASH');
    const bestValues = valuesOf(baseline.activation);
    const paperGap = ashEntry.mean - baseline.mean;
    const ash = { n: ashValues.length, sd: sd(ashValues) };
    const best = { n: bestValues.length, sd: sd(bestValues) };
    const entry: ColumnPower = { model: column.model, paperModel: column.paperModel, baseline: baseline.activation, paperGap, ash, best, seedsNeeded: null, presentPower: null };
    if (ash.sd === null || best.sd === null) {
      entry.note = `needs 2 finished runs of ASH and of ${baseline.activation} to measure the spread`;
    } else if (sign * paperGap <= 0) {
      entry.note = `the paper does not put ASH above ${baseline.activation} here`;
    } else {
      const question = { delta: paperGap, sd1: ash.sd, sd2: best.sd, alpha: POWER_ALPHA };
      entry.seedsNeeded = seedsNeeded({ ...question, power: POWER_TARGET });
      entry.presentPower = achievedPower({ ...question, n1: ash.n, n2: best.n }).power;
    }
    return [entry];
  });
}
