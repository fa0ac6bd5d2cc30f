// The paper's side claims, measured on a sweep's runs: how soon each activation converges, what ASH learned
// (z and the fraction k it keeps), and what each activation costs in time and memory. Numbers only; the
// renderers (markdown.ts, html.ts) print them under the main tables.
import { keptFractionOfZ } from '../activations/normal-quantile.js';
import { summarize, type Summary } from '../stats/summary.js';
import { rowLabel } from './aggregate.js';
import type { LoadedResult } from './load.js';
import { paperActivationLabel, paperOrder, PAPER_ACTIVATION_ORDER } from './names.js';

/** Default tolerance of the convergence epoch: within 5% of the run's final validation loss. */
export const DEFAULT_CONVERGENCE_TOLERANCE = 0.05;

type History = LoadedResult['result']['history'];

/**
 * The first epoch whose validation loss is within `tolerance` (a fraction: 0.05 = 5%) of the run's final
 * validation loss, |valLoss_e - valLoss_final| <= tolerance * |valLoss_final|. null when the final epoch has no
 * finite validation loss (nothing to converge to).
 */
export function convergenceEpoch(history: History, tolerance = DEFAULT_CONVERGENCE_TOLERANCE): number | null {
  if (!(tolerance >= 0)) throw new RangeError(`convergence tolerance must be >= 0, got ${tolerance}`);
  const last = history[history.length - 1];
  const final = last?.metrics.valLoss;
  if (typeof final !== 'number' || !Number.isFinite(final)) return null;
  for (const record of history) {
    const loss = record.metrics.valLoss;
    if (typeof loss === 'number' && Number.isFinite(loss) && Math.abs(loss - final) <= tolerance * Math.abs(final)) return record.epoch;
  }
  return last!.epoch;
}

/** One (activation label, model, dataset) group of a sweep's finished runs. */
export interface GroupKey {
  label: string;
  activation: string;
  model: string;
  dataset: string;
}

export interface ConvergenceRow extends GroupKey {
  /** Convergence epochs over the finished runs (with a final validation loss). */
  summary: Summary;
  /** Epochs the runs trained (the largest, when seeds differ). */
  epochs: number;
}

export interface AshParamsRow {
  model: string;
  dataset: string;
  /** ASH layers per run and the runs they came from. */
  layers: number;
  runs: number;
  /** The z (and the k = 1 - Phi(z) it stands for) over every layer of every run's final epoch. */
  z: { mean: number; min: number; max: number };
  k: { ofMeanZ: number; min: number; max: number };
  alpha: { mean: number; min: number; max: number };
  /** The k the runs started from (spec.activation.k), when every run names the same one. */
  initialK: number | null;
}

export interface CostRow extends GroupKey {
  /** Over runs: each run's mean epoch seconds. */
  secondsPerEpoch: Summary;
  /** Over runs that recorded it (env.peakRssMB): the job process's peak resident memory in MiB. */
  peakRssMB: Summary;
}

export interface SweepClaims {
  tolerance: number;
  convergence: ConvergenceRow[];
  ashParams: AshParamsRow[];
  cost: CostRow[];
}

function finished(runs: readonly LoadedResult[]): LoadedResult[] {
  return runs.filter((r) => r.result.status === 'ok' && r.result.history.length > 0);
}

function groupKey(run: LoadedResult): GroupKey {
  const { spec } = run.result;
  return { label: rowLabel(run.result), activation: spec.activation.name, model: spec.model, dataset: spec.dataset };
}

/** Runs grouped by (label, model, dataset), in the paper's activation order, then model and dataset. */
function groups(runs: readonly LoadedResult[]): { key: GroupKey; runs: LoadedResult[] }[] {
  const byKey = new Map<string, { key: GroupKey; runs: LoadedResult[] }>();
  for (const run of runs) {
    const key = groupKey(run);
    const id = JSON.stringify([key.label, key.model, key.dataset]);
    const group = byKey.get(id) ?? { key, runs: [] };
    group.runs.push(run);
    byKey.set(id, group);
  }
  const all = [...byKey.values()];
  const labels = paperOrder(
    [...new Set(all.map((g) => g.key.label))],
    PAPER_ACTIVATION_ORDER,
    (label) => paperActivationLabel(all.find((g) => g.key.label === label)!.key.activation),
    (label) => label,
  );
  return all.sort(
    (a, b) => labels.indexOf(a.key.label) - labels.indexOf(b.key.label) || a.key.model.localeCompare(b.key.model) || a.key.dataset.localeCompare(b.key.dataset),
  );
}

function convergenceRows(runs: readonly LoadedResult[], tolerance: number): ConvergenceRow[] {
  return groups(finished(runs)).flatMap(({ key, runs: group }) => {
    const epochs = group.map((r) => convergenceEpoch(r.result.history, tolerance)).filter((e): e is number => e !== null);
    if (epochs.length === 0) return [];
    return [{ ...key, summary: summarize(epochs), epochs: Math.max(...group.map((r) => r.result.history.length)) }];
  });
}

function range(values: readonly number[]): { mean: number; min: number; max: number } {
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * The k an ASH run started from: its k, else the k its z stands for, else the registry's default z = 0 (k = 50%),
 * as activations/registry.ts thresholdZ resolves them.
 */
export function initialK(activation: Record<string, unknown>): number {
  if (typeof activation.k === 'number') return activation.k;
  return keptFractionOfZ(typeof activation.z === 'number' ? activation.z : 0);
}

function ashParamsRows(runs: readonly LoadedResult[]): AshParamsRow[] {
  const byModel = new Map<string, LoadedResult[]>();
  for (const run of finished(runs)) {
    const last = run.result.history[run.result.history.length - 1]!;
    if (!last.ash || last.ash.length === 0) continue;
    const key = JSON.stringify([run.result.spec.model, run.result.spec.dataset]);
    byModel.set(key, [...(byModel.get(key) ?? []), run]);
  }
  return [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([key, group]) => {
      const [model, dataset] = JSON.parse(key) as [string, string];
      const states = group.flatMap((r) => r.result.history[r.result.history.length - 1]!.ash!);
      const zs = states.map((s) => s.z).filter((v): v is number => v !== null && Number.isFinite(v));
      const alphas = states.map((s) => s.alpha).filter((v): v is number => v !== null && Number.isFinite(v));
      if (zs.length === 0 || alphas.length === 0) return [];
      const z = range(zs);
      const initialKs = [...new Set(group.map((r) => initialK(r.result.spec.activation)))];
      const startK = initialKs.length === 1 ? initialKs[0]! : null;
      return [
        {
          model,
          dataset,
          layers: Math.max(...group.map((r) => r.result.history[r.result.history.length - 1]!.ash!.length)),
          runs: group.length,
          z,
          // k falls as z rises: the smallest z keeps the most.
          k: { ofMeanZ: keptFractionOfZ(z.mean), min: keptFractionOfZ(z.max), max: keptFractionOfZ(z.min) },
          alpha: range(alphas),
          initialK: startK,
        },
      ];
    });
}

function meanEpochSeconds(history: History): number | null {
  const seconds = history.map((r) => r.seconds).filter((s): s is number => s !== null && Number.isFinite(s));
  return seconds.length === 0 ? null : seconds.reduce((s, v) => s + v, 0) / seconds.length;
}

/** The peak memory a run recorded (env.peakRssMB, written by the job process since this report section exists). */
export function runPeakRssMB(result: LoadedResult['result']): number | null {
  const value = result.env.peakRssMB;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function costRows(runs: readonly LoadedResult[]): CostRow[] {
  return groups(finished(runs)).flatMap(({ key, runs: group }) => {
    const seconds = group.map((r) => meanEpochSeconds(r.result.history)).filter((s): s is number => s !== null);
    if (seconds.length === 0) return [];
    const memory = group.map((r) => runPeakRssMB(r.result)).filter((m): m is number => m !== null);
    return [{ ...key, secondsPerEpoch: summarize(seconds), peakRssMB: summarize(memory) }];
  });
}

export function sweepClaims(runs: readonly LoadedResult[], tolerance = DEFAULT_CONVERGENCE_TOLERANCE): SweepClaims {
  return { tolerance, convergence: convergenceRows(runs, tolerance), ashParams: ashParamsRows(runs), cost: costRows(runs) };
}
