// Fig. 3 of the paper (validation loss per epoch, mean over seeds with a 95% CI band) and, for ASH layers,
// the learned threshold z and sharpness alpha over training.
import type { TopLevelSpec } from 'vega-lite';
import { metricInfo } from '../../tasks/catalog.js';
import { summarize } from '../../stats/summary.js';
import { rowLabel } from '../aggregate.js';
import type { LoadedResult } from '../load.js';
import { datasetDisplayName, paperActivationLabel, paperOrder, PAPER_ACTIVATION_ORDER } from '../names.js';
import { activationStyle, BASE_CONFIG, FIGURE_WIDTH } from './vega.js';

export interface EpochPoint {
  activation: string;
  epoch: number;
  n: number;
  mean: number;
  /** The 95% CI band, clipped to the metric's range; null with fewer than BAND_MIN_RUNS runs (a 2-run t-interval spans 12.7 sd). */
  lo: number | null;
  hi: number | null;
}

/** Runs an epoch needs for its CI band to be drawn. */
export const BAND_MIN_RUNS = 3;

/** What a field can be: losses are never negative, accuracy lies in [0, 100]. */
/** Where a CI band may reach: losses are never negative, percentages stay within 0..100. */
function fieldRange(field: string): [number, number] {
  return metricInfo(field).percent ? [0, 100] : /loss/i.test(field) ? [0, Infinity] : [-Infinity, Infinity];
}

/** Mean and CI per (label, epoch) of a history field over the runs that finished (status ok). */
export function epochSummaries(runs: readonly LoadedResult[], field: string): EpochPoint[] {
  const byKey = new Map<string, { activation: string; epoch: number; values: number[] }>();
  for (const run of runs) {
    if (run.result.status !== 'ok') continue;
    const activation = rowLabel(run.result);
    for (const record of run.result.history) {
      const value = field === 'trainLoss' ? record.trainLoss : record.metrics[field];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const key = JSON.stringify([activation, record.epoch]);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { activation, epoch: record.epoch, values: [] }));
      entry.values.push(value);
    }
  }
  return [...byKey.values()]
    .map(({ activation, epoch, values }) => {
      const s = summarize(values);
      const [min, max] = fieldRange(field);
      const band = s.ci95 !== null && s.n >= BAND_MIN_RUNS;
      return {
        activation,
        epoch,
        n: s.n,
        mean: s.mean!,
        lo: band ? Math.max(min, s.mean! - s.ci95!) : null,
        hi: band ? Math.min(max, s.mean! + s.ci95!) : null,
      };
    })
    .sort((a, b) => a.activation.localeCompare(b.activation) || a.epoch - b.epoch);
}

function labelOrder(runs: readonly LoadedResult[]): string[] {
  const labels = [...new Set(runs.map((r) => rowLabel(r.result)))];
  return paperOrder(labels, PAPER_ACTIVATION_ORDER, (l) => paperActivationLabel(l), (l) => l);
}

/** Fig. 3 for one model/dataset of a sweep; null when no finished run has a validation-loss history. */
export function validationLossSpec(sweep: string, model: string, dataset: string, runs: readonly LoadedResult[]): TopLevelSpec | null {
  const points = epochSummaries(runs, 'valLoss');
  if (points.length === 0) return null;
  const skipped = runs.filter((r) => r.result.status !== 'ok').length;
  const banded = points.some((p) => p.lo !== null);
  const band = banded ? `band: 95% CI (clipped at 0; drawn from ${BAND_MIN_RUNS} runs)` : `no CI band (fewer than ${BAND_MIN_RUNS} runs per point)`;
  const subtitle = `mean over seeds; ${band}${skipped > 0 ? `; ${skipped} diverged/failed run(s) not drawn` : ''}`;
  const { color, strokeDash } = activationStyle(labelOrder(runs));
  const line = { mark: { type: 'line' as const, point: true, strokeWidth: 2.5 }, encoding: { y: { field: 'mean', type: 'quantitative' as const, title: 'validation loss' }, strokeDash } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Validation loss: ${model} on ${datasetDisplayName(dataset)} (sweep ${sweep})`, subtitle },
    width: FIGURE_WIDTH,
    height: 380,
    config: BASE_CONFIG,
    data: { values: points },
    encoding: { x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } }, color },
    layer: banded
      ? [
          {
            transform: [{ filter: 'datum.lo !== null' }],
            mark: { type: 'area', opacity: 0.15 },
            encoding: { y: { field: 'lo', type: 'quantitative', title: 'validation loss' }, y2: { field: 'hi' } },
          },
          line,
        ]
      : [line],
  };
}

export interface AshPoint {
  activation: string;
  layer: string;
  depth: number;
  epoch: number;
  parameter: 'z' | 'alpha';
  value: number;
}

/** Mean over seeds of each ASH layer's z and alpha per epoch, from history[].ash. */
export function ashParameterPoints(runs: readonly LoadedResult[]): AshPoint[] {
  const byKey = new Map<string, { point: Omit<AshPoint, 'value'>; values: number[] }>();
  const depthOf = new Map<string, number>();
  for (const run of runs) {
    if (run.result.status !== 'ok') continue;
    const activation = rowLabel(run.result);
    for (const record of run.result.history) {
      for (const state of record.ash ?? []) {
        if (!depthOf.has(state.layer)) depthOf.set(state.layer, depthOf.size);
        for (const parameter of ['z', 'alpha'] as const) {
          const value = state[parameter];
          if (typeof value !== 'number' || !Number.isFinite(value)) continue;
          const key = JSON.stringify([activation, state.layer, record.epoch, parameter]);
          let entry = byKey.get(key);
          if (!entry) {
            entry = { point: { activation, layer: state.layer, depth: depthOf.get(state.layer)!, epoch: record.epoch, parameter }, values: [] };
            byKey.set(key, entry);
          }
          entry.values.push(value);
        }
      }
    }
  }
  return [...byKey.values()].map(({ point, values }) => ({ ...point, value: summarize(values).mean! }));
}

/** z and alpha per epoch, one line per layer, for one activation label of a model/dataset; null without ASH data. */
export function ashParameterSpec(sweep: string, model: string, dataset: string, label: string, runs: readonly LoadedResult[]): TopLevelSpec | null {
  const points = ashParameterPoints(runs).filter((p) => p.activation === label);
  if (points.length === 0) return null;
  const layers = new Set(points.map((p) => p.layer)).size;
  // A legend of a few layers is readable; for deep networks, colour by depth instead.
  const color =
    layers <= 10
      ? { field: 'layer', type: 'nominal' as const, sort: { field: 'depth' as const }, title: 'layer' }
      : { field: 'depth', type: 'quantitative' as const, title: 'layer depth', scale: { scheme: 'viridis' } };
  const panel = (parameter: 'z' | 'alpha', title: string) => ({
    transform: [{ filter: `datum.parameter === '${parameter}'` }],
    width: (FIGURE_WIDTH - 120) / 2,
    height: 260,
    mark: { type: 'line' as const, point: layers <= 10 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative' as const, title },
      color,
      detail: { field: 'layer', type: 'nominal' as const },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${label}: learned parameters per layer, ${model} on ${datasetDisplayName(dataset)} (sweep ${sweep})`, subtitle: 'mean over seeds' },
    config: BASE_CONFIG,
    data: { values: points },
    hconcat: [panel('z', 'threshold z'), panel('alpha', 'sharpness alpha')],
  };
}
