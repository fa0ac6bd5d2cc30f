// A whole sweep: load and expand the config, skip what is already finished, run the rest on the
// local pool with a progress view, and end with the summary table. Re-running after any interruption
// (kill -9 included) picks up where the last run stopped.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { availableBackends, type BackendChoice } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { loadSweepConfig } from '../config/load.js';
import { describeGrid, expandJobs } from '../config/expand.js';
import { executeJobs, type JobCommand } from './executor.js';
import { lockSweepDir, shardLockFile } from './lock.js';
import { planJobs, type Plan } from './plan.js';
import { assertPreflight } from './preflight.js';
import { formatShard, selectShard, type Shard } from './shard.js';
import { jsonView, terminalView, formatDuration, type ProgressView } from './progress.js';
import { benchJobSeconds, estimateEngine, estimatePlan } from './estimate.js';
import type { Verbosity } from './log.js';
import type { JobResult } from './result.js';
import { ensureDir, removeStaleTempFiles, SWEEP_FILE, writeJsonAtomic } from './store.js';
import { formatMissing, summarize, type SummaryRow } from './summary.js';
import { taskInfo } from '../tasks/catalog.js';
import { renderSweepSummary } from '../report/index.js';

export interface SweepOptions {
  file: string;
  set?: string | readonly string[];
  /** Results root; the sweep writes to <out>/<name>/. */
  out: string;
  /** Jobs at once; default: one per core for wasm/cpu (each WASM job is single-threaded), else one per GPU. */
  jobs?: number;
  gpus?: string[];
  dryRun?: boolean;
  /** auto: the live view on a terminal, JSON lines elsewhere; pretty: human log lines (no live view). */
  progress?: 'auto' | 'tty' | 'json' | 'pretty';
  /** quiet: warnings and the final table only; verbose: also every training step in the log lines. */
  verbosity?: Verbosity;
  /** Run only this shard's jobs (see shard.ts); other shards may be running in the same directory. */
  shard?: Shard;
  /**
   * Check the backend and datasets before starting any job (default: yes, unless a custom `command`
   * runs the jobs, which then has needs of its own).
   */
  preflight?: boolean;
  /** For tests: how to start a job process, and extra environment for it. */
  command?: JobCommand;
  env?: Record<string, string>;
  /** Where progress goes (default: stderr). */
  progressStream?: NodeJS.WritableStream;
  /** Stop the sweep as Ctrl-C does (tests); SIGINT and SIGTERM abort it too. */
  signal?: AbortSignal;
}

export interface SweepOutcome {
  /** 0: every job ok or diverged; 1: some failed; 130 / 143: interrupted by SIGINT / SIGTERM. */
  exitCode: number;
  plan: Plan;
  results: Map<string, JobResult>;
  rows: SummaryRow[];
}

/** `--gpus 0,1` as ['0', '1']. */
export function parseGpuList(text: string): string[] {
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^\d+$/.test(id))) throw new UserError(`--gpus ${text}: expected a comma-separated list of GPU indices, e.g. --gpus 0,1`);
  return ids;
}

export function defaultSlots(backend: BackendChoice, gpus?: string[]): number {
  if (gpus && gpus.length > 0) return gpus.length;
  const name = backend === 'auto' ? availableBackends()[0] : backend;
  // Native TensorFlow spreads one job over all cores (or owns the GPU); WASM and cpu jobs use one core each.
  return name === 'wasm' || name === 'cpu' ? availableParallelism() : 1;
}

/**
 * Threads each job's native kernels may use (ASH_NATIVE_THREADS): the cores shared among the slots, so
 * that parallel WASM jobs with native convolutions do not oversubscribe the machine. A value the user
 * set in the environment wins.
 */
export function nativeThreadsPerJob(slots: number, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.ASH_NATIVE_THREADS) return {};
  return { ASH_NATIVE_THREADS: String(Math.max(1, Math.floor(availableParallelism() / Math.max(1, slots)))) };
}

/**
 * What went wrong, in one line: how the process ended (the error's first line) and, when its stderr
 * follows, the last line of that (for `ash job`, the `ash: ...` message of the error that stopped it).
 */
export function failureCause(error: string): string {
  const lines = error.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length <= 1) return lines[0] ?? 'unknown failure';
  return `${lines[0]}: ${lines[lines.length - 1]}`;
}

function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The dry run's time estimate line, saying where its figures come from. */
function describeEstimate(plan: Plan, slots: number, backend: BackendChoice): string {
  if (plan.toRun.length === 0) return 'estimate: nothing to run';
  const estimate = estimatePlan(plan.toRun.map((j) => j.spec), slots, estimateEngine(backend));
  if (!estimate) return `estimate: none (bench figures exist for the wasm backend only; \`ash bench --backend ${backend}\` measures this machine)`;
  const sized = estimate.jobs - estimate.unsized;
  const unsized = estimate.unsized > 0 ? `; ${estimate.unsized} job(s) not counted: their dataset size is unknown without data.trainLimit / data.testLimit` : '';
  return (
    `estimate: about ${formatDuration(estimate.wallSeconds)} for ${sized} job(s) on ${slots} slot${slots === 1 ? '' : 's'}${unsized}. ` +
    `An estimate from the README's bench figures (2-core machine), not a measurement: ${estimate.sources.join('; ')}; \`ash bench\` measures this machine`
  );
}

export async function runSweep(options: SweepOptions, out: NodeJS.WritableStream = process.stdout): Promise<SweepOutcome> {
  const loaded = loadSweepConfig(options.file, options.set !== undefined ? { set: options.set } : {});
  const { config } = loaded;
  const allJobs = expandJobs(config);
  const jobs = options.shard ? selectShard(allJobs, options.shard) : allJobs;
  const sweepDir = join(options.out, config.name);
  const plan = planJobs(jobs, sweepDir, { adopt: !options.dryRun });
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) {
    throw new UserError(`--jobs ${options.jobs}: expected a whole number >= 1`);
  }
  const slots = Math.min(options.jobs ?? defaultSlots(config.backend, options.gpus), Math.max(1, plan.toRun.length));
  const shardText = options.shard ? `; shard ${formatShard(options.shard)} has ${jobs.length}` : '';
  write(out, `sweep ${config.name}: ${describeGrid(config)}${shardText}; ${plan.done.length} already finished, ${plan.toRun.length} to run on ${slots} slot${slots === 1 ? '' : 's'}${options.gpus ? ` (GPUs ${options.gpus.join(',')})` : ''}; results in ${sweepDir}`);

  if (options.dryRun) {
    for (const job of plan.jobs) write(out, `  ${job.state.padEnd(5)}  ${job.id}`);
    write(out, describeEstimate(plan, slots, config.backend));
    const results = new Map(plan.done.map((j) => [j.id, j.previous!]));
    return { exitCode: 0, plan, results, rows: summarize(plan.jobs, results) };
  }

  if (plan.toRun.length > 0 && (options.preflight ?? options.command === undefined)) assertPreflight(options.file, config.backend, plan.toRun);
  ensureDir(sweepDir);
  const release = lockSweepDir(sweepDir, options.shard ? shardLockFile(options.shard.index, options.shard.count) : undefined);
  const started = Date.now();
  let view: ProgressView | undefined;
  const results = new Map<string, JobResult>();
  // Ctrl-C / kill: stop starting jobs, stop the running ones (SIGTERM, SIGKILL 5 s later) and wait for
  // them, so that no job process outlives the sweep and the lock is freed last. A second Ctrl-C quits at once.
  const abort = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy) {
      view?.stop();
      release();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stoppedBy = signal;
    abort.abort();
  };
  const onAbort = (): void => {
    stoppedBy ??= 'SIGINT';
    abort.abort();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // What a killed writer may have left: temp files are never results, so they go. A shard cleans only
    // its own job folders: the sweep folder's temp files may be another shard's sweep.json being written.
    if (!options.shard) removeStaleTempFiles(sweepDir);
    for (const job of plan.jobs) removeStaleTempFiles(job.dir);
    writeJsonAtomic(join(sweepDir, SWEEP_FILE), {
      name: config.name,
      files: loaded.files,
      set: typeof options.set === 'string' ? [options.set] : (options.set ?? []),
      config,
      // Every job of the sweep, also from a shard: `ash status` counts progress against this list.
      jobs: allJobs.map((j) => j.id),
      startedAt: new Date(started).toISOString(),
    });
    // --quiet has no live view: it is for runs nobody watches, where redraws only fill logs.
    const tty = options.progress === 'tty' || (options.progress === 'auto' || options.progress === undefined ? process.stderr.isTTY === true && options.verbosity !== 'quiet' : false);
    const stream = options.progressStream;
    // The dry run's bench figures: the ETA's last resort before any job has a timing of its own.
    const bench = benchJobSeconds(estimateEngine(config.backend));
    view = tty
      ? terminalView(plan, slots, (stream ?? process.stderr) as NodeJS.WriteStream, bench)
      : jsonView(plan, slots, stream, { format: options.progress === 'pretty' ? 'pretty' : 'json', verbosity: options.verbosity ?? 'normal' }, bench);
    const shown = view;
    for (const job of plan.done) results.set(job.id, job.previous!);
    const ran = await executeJobs(plan.toRun, {
      slots,
      ...(options.gpus ? { gpus: options.gpus } : {}),
      retries: config.retries,
      ...(config.timeoutMinutes !== undefined ? { timeoutMs: config.timeoutMinutes * 60_000 } : {}),
      ...(options.command ? { command: options.command } : {}),
      env: { ...nativeThreadsPerJob(slots), ...options.env },
      onEvent: (event) => shown.onEvent(event),
      signal: abort.signal,
    });
    // Keyed by the planned job (its folder), which a result found under an older name keeps.
    ran.forEach((result, i) => results.set(plan.toRun[i]!.id, result));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onAbort);
    view?.stop();
    release();
  }

  if (stoppedBy) {
    // Finished jobs have their results; the interrupted ones left none, so a re-run starts exactly those.
    write(options.progressStream ?? process.stderr, `interrupted: ${results.size}/${plan.jobs.length} done; run the same command again to resume`);
    const rows = summarize(plan.jobs, results);
    return { exitCode: stoppedBy === 'SIGTERM' ? 143 : 130, plan, results, rows };
  }

  const rows = summarize(plan.jobs, results);
  const all = [...results.values()];
  const count = (status: string) => all.filter((r) => r.status === status).length;
  write(out, '');
  if (all.some((r) => r.status === 'ok')) {
    // Mean and 95% CI over seeds of the task's primary metric, in the paper's layout (`ash report` makes the full report).
    write(out, renderSweepSummary(sweepDir, { metric: taskInfo(config.task).primaryMetric }));
  }
  const missing = formatMissing(rows);
  if (missing) write(out, missing);
  write(
    out,
    `sweep ${config.name}${options.shard ? ` shard ${formatShard(options.shard)}` : ''}: ${all.length} results: ${count('ok')} ok, ${count('diverged')} diverged, ${count('failed')} failed` +
      ` (${plan.done.length} from earlier runs); ${formatDuration((Date.now() - started) / 1000)} wall; results in ${sweepDir}`,
  );
  for (const failed of all.filter((r) => r.status === 'failed')) {
    write(out, `  failed: ${failed.jobId}: ${failureCause(failed.error ?? '')} (see ${join(sweepDir, failed.jobId, 'output.log')})`);
  }
  const exitCode = count('failed') === 0 && all.length === plan.jobs.length ? 0 : 1;
  return { exitCode, plan, results, rows };
}
