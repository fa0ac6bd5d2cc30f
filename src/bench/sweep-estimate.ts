// Sweep throughput (jobs per hour), estimated from the other parts instead of running a sweep, which
// would take the bench tens of minutes. Per job: the warm start-up to a ready model, its training steps
// at the measured ms per step (scaled by batch), and its evaluation at one third of a training step per
// image (a forward pass is about a third of forward + backward). Jobs run `slots` at a time, each slot
// on its own core, so the estimate is what an otherwise idle machine reaches.
import { fileURLToPath } from 'node:url';
import { loadSweepConfig } from '../config/load.js';
import { expandJobs } from '../config/expand.js';
import { defaultSlots } from '../runner/sweep.js';
import { jobMilliseconds } from '../runner/estimate.js';

export const SMOKE_CONFIG = fileURLToPath(new URL('../../configs/smoke.yaml', import.meta.url));

export interface SweepEstimate {
  config: string;
  jobs: number;
  slots: number;
  secondsPerJob: number;
  jobsPerHour: number;
  method: string;
}

export function estimateSweep(options: {
  configFile: string;
  backend: string;
  /** ms per training image of the sweep's model and input shape on `backend`. */
  msPerTrainImage: number;
  /** ms from process start to a ready model (data loaded, model built). */
  readyMs: number;
  slots?: number;
}): SweepEstimate {
  const { config } = loadSweepConfig(options.configFile);
  const jobs = expandJobs(config);
  if (jobs.length === 0) throw new Error(`${options.configFile}: the sweep has no jobs`);
  let totalMs = 0;
  for (const { spec } of jobs) {
    // The same per-job arithmetic as `ash sweep --dry-run`, with this run's measured figures.
    const ms = jobMilliseconds(spec, options.msPerTrainImage, options.readyMs);
    if (ms === undefined) throw new Error(`${options.configFile}: cannot estimate dataset '${spec.dataset}' without data.trainLimit and data.testLimit`);
    totalMs += ms;
  }
  const slots = Math.min(options.slots ?? defaultSlots(options.backend as never), jobs.length);
  const secondsPerJob = totalMs / jobs.length / 1000;
  return {
    config: options.configFile,
    jobs: jobs.length,
    slots,
    secondsPerJob,
    jobsPerHour: (3600 * slots) / secondsPerJob,
    method: 'estimated: per job = warm start-up to ready + steps x measured ms/step + eval images x ms/image / 3; slots jobs at once, one core each',
  };
}
