// The learning rate at a step for each schedule of src/contract/schedule.ts. The rate is set before every
// optimizer step, so epoch-based schedules are evaluated per step with the epoch the step falls in: a
// milestone at epoch m takes effect at step m * stepsPerEpoch, exactly where PyTorch's MultiStepLR (stepped
// once per epoch) changes it. Warm-up replaces the first W steps' rate without shifting the main schedule.
import type { Schedule, ScheduleObject, Warmup } from '../contract/schedule.js';

/** What a schedule needs to know about the run. */
export interface RunLength {
  /** Optimizer steps in the whole run (stepsPerEpoch * epochs). */
  totalSteps: number;
  stepsPerEpoch: number;
}

function asObject(schedule: Schedule): ScheduleObject {
  return typeof schedule === 'string' ? { name: schedule } : schedule;
}

/** The main schedule's rate at `step` (0-based: the rate the (step+1)-th update uses), warm-up not applied. */
function mainRate(schedule: ScheduleObject, base: number, step: number, run: RunLength): number {
  switch (schedule.name) {
    case 'constant':
      return base;
    case 'cosine':
      // Kept character for character from the original schedule.ts: runs must stay bit-identical.
      if (run.totalSteps <= 1) return base;
      return 0.5 * base * (1 + Math.cos((Math.PI * step) / run.totalSteps));
    case 'multistep': {
      const perUnit = schedule.unit === 'epoch' ? run.stepsPerEpoch : 1;
      let passed = 0;
      for (const m of schedule.milestones) if (step >= m * perUnit) passed++;
      return base * schedule.gamma ** passed;
    }
    case 'poly': {
      if (run.totalSteps <= 1) return base;
      const left = Math.max(0, 1 - step / run.totalSteps);
      return (base - schedule.minLr) * left ** schedule.power + schedule.minLr;
    }
  }
}

/** Warm-up length in steps (epochs are rounded to the nearest whole step, at least one). */
export function warmupSteps(warmup: Warmup, stepsPerEpoch: number): number {
  return warmup.iterations ?? Math.max(1, Math.round(warmup.epochs! * stepsPerEpoch));
}

/** Learning rate for optimizer step `step` (0-based) of a run with base rate `base`. */
export function scheduledLearningRate(schedule: Schedule, base: number, step: number, run: RunLength): number {
  const s = asObject(schedule);
  const rate = mainRate(s, base, step, run);
  const warmup = s.warmup;
  if (!warmup) return rate;
  const length = warmupSteps(warmup, run.stepsPerEpoch);
  if (step >= length) return rate;
  if (warmup.kind === 'constant') return warmup.lr ?? rate * warmup.factor!;
  return rate * (1 - (1 - step / length) * (1 - warmup.startFactor));
}
