// Progress of a running sweep: a live view on a terminal (jobs done/running/failed, ETA, each running
// job's epoch), JSON log lines anywhere else (CI logs, files). Both read the same executor events.
import cliProgress from 'cli-progress';
import pino from 'pino';
import type { RunnerEvent } from './executor.js';
import { createLogger, type LogOptions } from './log.js';
import type { Plan, PlannedJob } from './plan.js';
import type { JobResult } from './result.js';
import { formatMetric, taskInfo } from '../tasks/catalog.js';
import { JobTimeEstimator, makespan, type BenchSeconds } from './eta.js';

/** A finished job's primary metric as progress shows it, e.g. `top-1 72.60%` (nothing when it has none). */
function primaryText(result: JobResult): string {
  const value = result.metrics[result.primaryMetric];
  return value === null || value === undefined ? '' : `  ${formatMetric(result.primaryMetric, value)}`;
}

interface Running {
  job: PlannedJob;
  startedAt: number;
  attempt: number;
  epoch: number;
  step: number;
  steps: number;
  loss?: number;
}

/** Finished jobs, or training steps, after which an ETA is shown. */
export const ETA_SETTLE_JOBS = 2;
export const ETA_SETTLE_STEPS = 50;

/** Counts, running jobs and an ETA, kept from executor events. */
export class SweepTracker {
  readonly total: number;
  readonly skipped: number;
  ok = 0;
  diverged = 0;
  failed = 0;
  readonly running = new Map<string, Running>();
  private readonly finished: { job: PlannedJob; seconds: number }[] = [];
  /** Jobs not started yet, in the order the executor starts them. */
  private readonly pending: Map<string, PlannedJob>;
  /** Training steps seen across the sweep: with too few, a per-job time is mostly start-up and noise. */
  private stepsSeen = 0;

  /** `bench`: a job's seconds by the bench figures, the estimate of last resort (no job has any timing yet). */
  constructor(
    plan: Plan,
    private readonly slots: number,
    private readonly bench?: BenchSeconds,
  ) {
    this.total = plan.jobs.length;
    this.skipped = plan.done.length;
    this.pending = new Map(plan.toRun.map((job) => [job.id, job]));
  }

  get done(): number {
    return this.skipped + this.ok + this.diverged + this.failed;
  }

  update(event: RunnerEvent): void {
    const id = event.job.id;
    if (event.type === 'start') {
      this.pending.delete(id);
      this.running.set(id, { job: event.job, startedAt: Date.now(), attempt: event.attempt, epoch: 1, step: 0, steps: 0 });
    } else if (event.type === 'message') {
      const run = this.running.get(id);
      if (!run) return;
      const m = event.message;
      if (m.type === 'step') {
        this.stepsSeen += Math.max(0, m.epoch === run.epoch ? m.step - run.step : m.step);
        Object.assign(run, { epoch: m.epoch, step: m.step, steps: m.steps, loss: m.loss });
      }
      else if (m.type === 'epoch') Object.assign(run, { epoch: m.record.epoch + 1, step: 0 });
    } else if (event.type === 'attempt-failed') {
      this.running.delete(id);
    } else if (event.type === 'end') {
      const run = this.running.get(id);
      if (run) this.finished.push({ job: run.job, seconds: (Date.now() - run.startedAt) / 1000 });
      this.running.delete(id);
      this[event.result.status]++;
    }
  }

  /** Fraction of a running job's epochs done. */
  fraction(run: Running): number {
    const epochs = run.job.spec.train.epochs;
    const within = run.steps > 0 ? run.step / run.steps : 0;
    return Math.min(1, (run.epoch - 1 + within) / epochs);
  }

  /**
   * Have the timings settled enough for an ETA? After ETA_SETTLE_JOBS finished jobs (or all there were
   * to run), or ETA_SETTLE_STEPS training steps: before that an estimate is start-up time and noise.
   */
  get settled(): boolean {
    const toRun = this.total - this.skipped;
    return this.finished.length >= Math.min(ETA_SETTLE_JOBS, toRun) || this.stepsSeen >= ETA_SETTLE_STEPS;
  }

  /**
   * Seconds left, undefined until the timings settle: each unstarted or running job at the time jobs of its
   * kind took (eta.ts: same model, dataset, task and training size; else all jobs; else the bench figures),
   * running jobs less what they have run, laid out on the slots in the executor's order.
   */
  etaSeconds(): number | undefined {
    if (!this.settled) return undefined;
    const now = Date.now();
    const estimator = new JobTimeEstimator(this.bench);
    for (const f of this.finished) estimator.addFinished(f.job.spec, f.seconds);
    for (const run of this.running.values()) {
      const fraction = this.fraction(run);
      if (fraction > 0) estimator.addProjected(run.job.spec, (now - run.startedAt) / 1000 / fraction);
    }
    const remaining: number[] = [];
    for (const run of this.running.values()) {
      const estimate = estimator.estimate(run.job.spec);
      if (!estimate) return undefined;
      remaining.push(estimate.seconds - (now - run.startedAt) / 1000);
    }
    const pending: number[] = [];
    for (const job of this.pending.values()) {
      const estimate = estimator.estimate(job.spec);
      if (!estimate) return undefined;
      pending.push(estimate.seconds);
    }
    return makespan(remaining, pending, this.slots);
  }
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** "  ETA 3m05s", or nothing while the timings settle (an early ETA is mostly start-up time). */
function etaText(tracker: SweepTracker): string {
  const eta = tracker.etaSeconds();
  return eta === undefined ? '' : `  ETA ${formatDuration(eta)}`;
}

export interface ProgressView {
  onEvent(event: RunnerEvent): void;
  stop(): void;
}

/** The live terminal view: one line for the sweep, one per running job. */
export function terminalView(plan: Plan, slots: number, stream: NodeJS.WriteStream = process.stderr, bench?: BenchSeconds): ProgressView {
  const tracker = new SweepTracker(plan, slots, bench);
  const multibar = new cliProgress.MultiBar(
    { stream, hideCursor: true, clearOnComplete: false, autopadding: true, format: '{name} |{bar}| {info}', barsize: 24, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  const overall = multibar.create(tracker.total, tracker.done, { name: 'sweep', info: '' });
  const bars = new Map<string, cliProgress.SingleBar>();
  const idWidth = Math.min(48, Math.max(...plan.jobs.map((j) => j.id.length), 5));
  const refresh = () => {
    overall.update(tracker.done, {
      name: 'sweep'.padEnd(idWidth),
      info: `${tracker.done}/${tracker.total} jobs  running ${tracker.running.size}  ok ${tracker.ok + tracker.skipped}  diverged ${tracker.diverged}  failed ${tracker.failed}${etaText(tracker)}`,
    });
    for (const [id, bar] of bars) {
      const run = tracker.running.get(id);
      if (!run) continue;
      const epochs = run.job.spec.train.epochs;
      const loss = run.loss === undefined ? '' : `  loss ${run.loss.toFixed(3)}`;
      const attempt = run.attempt > 1 ? `  attempt ${run.attempt}` : '';
      bar.update(Math.round(1000 * tracker.fraction(run)), {
        name: id.slice(0, idWidth).padEnd(idWidth),
        info: `epoch ${Math.min(run.epoch, epochs)}/${epochs}${run.steps ? `  step ${run.step}/${run.steps}` : ''}${loss}${attempt}`,
      });
    }
  };
  refresh();
  return {
    onEvent(event) {
      tracker.update(event);
      const id = event.job.id;
      if (event.type === 'start' && !bars.has(id)) bars.set(id, multibar.create(1000, 0, { name: id, info: 'starting' }));
      if (event.type === 'attempt-failed') {
        multibar.log(`${id}: attempt ${event.attempt} failed${event.willRetry ? ', retrying' : ''}: ${event.error.split('\n')[0]}\n`);
      }
      if (event.type === 'end') {
        multibar.log(`${id}: ${event.result.status}${primaryText(event.result)}\n`);
        // Removing redraws, which also prints the log line above the bars.
        const bar = bars.get(id);
        if (bar) multibar.remove(bar);
        bars.delete(id);
      }
      refresh();
    },
    stop() {
      refresh();
      // A last redraw prints log lines still waiting for the next scheduled frame.
      multibar.update();
      multibar.stop();
    },
  };
}

/**
 * Log lines (pino): one per job start, epoch, failed attempt and end, with the counts and (once the
 * timings settle) the ETA; JSON by default, human lines with format 'pretty'; --quiet keeps warnings
 * only, --verbose adds training steps.
 */
export function jsonView(
  plan: Plan,
  slots: number,
  destination?: pino.DestinationStream | NodeJS.WritableStream,
  options: LogOptions = {},
  bench?: BenchSeconds,
): ProgressView {
  const tracker = new SweepTracker(plan, slots, bench);
  const log = createLogger({ sweep: plan.jobs[0]?.spec.sweep }, options, destination);
  const counts = () => {
    const eta = tracker.etaSeconds();
    return { done: tracker.done, total: tracker.total, running: tracker.running.size, failed: tracker.failed, ...(eta === undefined ? {} : { eta: formatDuration(eta) }) };
  };
  log.info({ total: tracker.total, alreadyDone: tracker.skipped, toRun: plan.toRun.length, slots }, 'sweep started');
  return {
    onEvent(event) {
      tracker.update(event);
      const jobId = event.job.id;
      if (event.type === 'start') log.info({ jobId, attempt: event.attempt, slot: event.slot, gpu: event.gpu }, 'job started');
      else if (event.type === 'message' && event.message.type === 'epoch') {
        const { epoch, trainLoss, metrics, seconds } = event.message.record;
        const primary = taskInfo(event.job.spec.task).primaryMetric;
        log.info({ jobId, epoch, epochs: event.job.spec.train.epochs, trainLoss, valLoss: metrics.valLoss, [primary]: metrics[primary], seconds, ...counts() }, 'epoch');
      } else if (event.type === 'message' && event.message.type === 'step') {
        const { epoch, step, steps, loss } = event.message;
        log.debug({ jobId, epoch, step, steps, loss }, 'step');
      } else if (event.type === 'attempt-failed') log.warn({ jobId, attempt: event.attempt, willRetry: event.willRetry, error: event.error }, 'job attempt failed');
      else if (event.type === 'end') {
        const { status, metrics, error, primaryMetric } = event.result;
        log.info({ jobId, status, [primaryMetric]: metrics[primaryMetric], error, ...counts() }, 'job ended');
      }
    },
    stop() {
      log.info(counts(), 'sweep ended');
    },
  };
}
