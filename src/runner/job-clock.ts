// How long a job took when it ran in several attempts (killed, preempted or failed, then resumed from a
// checkpoint): its start is the first attempt's, its seconds the sum of what each attempt spent on the epochs the
// result holds. Each checkpoint carries the clock so far (TrainState.clock); the attempt that resumes from it adds
// its own wall time. Time an attempt spent after its last checkpoint is lost with the kill and not counted: that
// work was done again by the next attempt, which counts it.
import type { JobClock, TrainState } from '../tasks/train-state.js';

/**
 * The clock of an attempt that started at `attemptStart`, resuming `resumed` if any: `at(now)` gives the job's
 * first start and its seconds up to `now`. A checkpoint from before the clock was kept knows neither; its epochs'
 * own seconds (training and evaluation, without setup) stand in for the earlier attempts, and the start is this
 * attempt's.
 */
export function jobClock(attemptStart: Date, resumed?: Pick<TrainState, 'clock' | 'history'>): { startedAt: string; at(now: Date): JobClock } {
  const earlier: JobClock | undefined =
    resumed?.clock ?? (resumed ? { startedAt: attemptStart.toISOString(), seconds: epochSeconds(resumed.history) } : undefined);
  const startedAt = earlier?.startedAt ?? attemptStart.toISOString();
  const before = earlier?.seconds ?? 0;
  return { startedAt, at: (now) => ({ startedAt, seconds: before + (now.getTime() - attemptStart.getTime()) / 1000 }) };
}

function epochSeconds(history: TrainState['history']): number {
  return history.reduce((sum, r) => sum + (typeof r.seconds === 'number' && Number.isFinite(r.seconds) ? r.seconds : 0), 0);
}
