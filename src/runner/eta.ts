// How long a running sweep's remaining jobs will take (the progress line's ETA). The jobs of one sweep can
// differ several-fold in cost (resnet20 ~33 s a job, wrn16-4 ~130 s on the same machine), so one mean over all
// finished jobs misjudges a mixed sweep: each remaining job is estimated from the jobs that cost like it, and the
// jobs are then laid out on the slots the way the executor hands them out.
import type { SizedJob } from './estimate.js';

/** What the estimate reads of a job spec: the bench estimate's fields, and what else sets a job's cost. */
export interface CostedJob extends SizedJob {
  task: string;
  backend: string;
}

/** Seconds a job of this spec takes by the README's bench figures (what `ash sweep --dry-run` says), if any. */
export type BenchSeconds = (spec: CostedJob) => number | undefined;

/**
 * What decides a job's cost as far as its spec tells: task, model, dataset (and with it the input size, which
 * each dataset fixes), backend, and the amount of training (epochs, batch size, data limits). The activation
 * and the seed are left out: they change a job's time by far less than the model does, and leaving them out
 * lets a model's first finished job speak for all of that model's jobs.
 */
export function costKey(spec: CostedJob): string {
  const { task, model, dataset, backend } = spec;
  const { epochs, batchSize } = spec.train;
  const { trainLimit, testLimit } = spec.data;
  return JSON.stringify([task, model, dataset, backend, epochs, batchSize, trainLimit ?? null, testLimit ?? null]);
}

/** Where an estimate came from: jobs of the same kind, all jobs, or the bench figures. */
export type EstimateSource = 'same kind' | 'all jobs' | 'bench';

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * A job's expected seconds from the times seen so far: finished jobs' run times, and (weaker) running jobs'
 * projections (elapsed / fraction done), used only where no job of that level has finished. Levels: jobs of the
 * same kind (costKey), then all jobs, then the bench figures.
 */
export class JobTimeEstimator {
  private readonly finished = new Map<string, number[]>();
  private readonly projected = new Map<string, number[]>();
  private readonly allFinished: number[] = [];
  private readonly allProjected: number[] = [];

  constructor(private readonly bench?: BenchSeconds) {}

  /** A finished job's run time. */
  addFinished(spec: CostedJob, seconds: number): void {
    push(this.finished, costKey(spec), seconds);
    this.allFinished.push(seconds);
  }

  /** A running job's projected run time. */
  addProjected(spec: CostedJob, seconds: number): void {
    push(this.projected, costKey(spec), seconds);
    this.allProjected.push(seconds);
  }

  estimate(spec: CostedJob): { seconds: number; from: EstimateSource } | undefined {
    const key = costKey(spec);
    const same = this.finished.get(key) ?? this.projected.get(key);
    if (same) return { seconds: mean(same), from: 'same kind' };
    const all = this.allFinished.length > 0 ? this.allFinished : this.allProjected;
    if (all.length > 0) return { seconds: mean(all), from: 'all jobs' };
    const bench = this.bench?.(spec);
    return bench === undefined || !Number.isFinite(bench) ? undefined : { seconds: bench, from: 'bench' };
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Seconds until the last job ends: each running job holds a slot for its remaining seconds, and the pending
 * jobs, in the order the executor starts them, each go to the slot that frees soonest.
 */
export function makespan(runningRemaining: readonly number[], pending: readonly number[], slots: number): number {
  const free = [...runningRemaining.map((s) => Math.max(0, s))];
  while (free.length < slots) free.push(0);
  for (const seconds of pending) {
    const soonest = free.indexOf(Math.min(...free));
    free[soonest]! += seconds;
  }
  return free.length === 0 ? 0 : Math.max(...free);
}
