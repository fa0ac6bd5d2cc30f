// Could this sweep have seen the gap the paper claims? Per column of a table compared with the paper: the
// paper's gap between ASH and its best baseline, our measured spread of those two rows, the seeds a two-sided
// Welch test needs to detect that gap (alpha 0.05, power 0.8) and the power our run counts had.
import { sampleVariance } from '../stats/summary.js';
import { achievedPower, seedsNeeded } from '../stats/power.js';
import type { PaperTable } from './paper.js';
import type { ReportTable } from './table.js';

export const POWER_ALPHA = 0.05;
export const POWER_TARGET = 0.8;

/** The paper's gap and what our runs of ASH and that baseline say about detecting it. */
export interface GapPower {
  /** The paper's best non-ASH activation in that column, and ASH's mean minus its mean there. */
  baseline: string;
  paperGap: number;
  ash: { n: number; sd: number | null };
  best: { n: number; sd: number | null };
  /** Seeds per activation for the target power; null with a note when it cannot be said, or when no number reaches it. */
  seedsNeeded: number | null;
  /** Power of the runs we have (n of each row) against the paper's gap. */
  presentPower: number | null;
  note?: string;
}

export interface ColumnPower extends GapPower {
  model: string;
  paperModel: string;
}

function sd(values: readonly number[]): number | null {
  return values.length >= 2 ? Math.sqrt(sampleVariance(values)) : null;
}

/** The paper's ASH entry and its best baseline among `entries` (one column, one metric), if it has both. */
export function paperAshAndBest<E extends { activation: string; mean: number }>(entries: readonly E[], higherIsBetter: boolean): { ash: E; best: E } | undefined {
  const sign = higherIsBetter ? 1 : -1;
  const ash = entries.find((e) => e.activation === 'ASH');
  const best = entries.filter((e) => e.activation !== 'ASH').sort((a, b) => sign * (b.mean - a.mean))[0];
  return ash && best ? { ash, best } : undefined;
}

/**
 * Seeds needed (two-sided Welch, `alpha`, `target` power) to detect the paper's gap between ASH and `baseline` with the
 * spread our runs show, and the power our run counts had; a note instead where it cannot be said.
 */
export function gapPower(options: {
  baseline: string;
  paperGap: number;
  higherIsBetter: boolean;
  ashValues: readonly number[];
  bestValues: readonly number[];
  alpha?: number;
  target?: number;
}): GapPower {
  const { baseline, paperGap, ashValues, bestValues } = options;
  const ash = { n: ashValues.length, sd: sd(ashValues) };
  const best = { n: bestValues.length, sd: sd(bestValues) };
  const entry: GapPower = { baseline, paperGap, ash, best, seedsNeeded: null, presentPower: null };
  if (ash.sd === null || best.sd === null) {
    entry.note = `needs 2 finished runs of ASH and of ${baseline} to measure the spread`;
  } else if ((options.higherIsBetter ? 1 : -1) * paperGap <= 0) {
    entry.note = `the paper does not put ASH above ${baseline} here`;
  } else {
    const question = { delta: paperGap, sd1: ash.sd, sd2: best.sd, alpha: options.alpha ?? POWER_ALPHA };
    entry.seedsNeeded = seedsNeeded({ ...question, power: options.target ?? POWER_TARGET });
    entry.presentPower = achievedPower({ ...question, n1: ash.n, n2: best.n }).power;
  }
  return entry;
}

/** One entry per column that has a paper column with an ASH row and a baseline. */
export function tablePower(table: ReportTable, paper: PaperTable): ColumnPower[] {
  if (!table.paper) return [];
  return table.columns.flatMap((column, col): ColumnPower[] => {
    if (!column.paperModel) return [];
    const entries = paper.entries.filter((e) => e.model === column.paperModel && e.metric === table.metric.key);
    const pair = paperAshAndBest(entries, table.metric.higherIsBetter);
    if (!pair) return [];
    const valuesOf = (paperLabel: string): number[] => table.rows.find((r) => r.paperLabel === paperLabel)?.cells[col]?.row.values ?? [];
    const power = gapPower({
      baseline: pair.best.activation,
      paperGap: pair.ash.mean - pair.best.mean,
      higherIsBetter: table.metric.higherIsBetter,
      ashValues: valuesOf('ASH'),
      bestValues: valuesOf(pair.best.activation),
    });
    return [{ model: column.model, paperModel: column.paperModel, ...power }];
  });
}
