// The local executor: a pool of N slots, each running one job at a time in its own child process
// (`node dist/cli/main.js job --dir <jobDir>`), so a crash, an out-of-memory kill or a hang of one job
// never takes the sweep down. Failed attempts are retried; a job that still fails gets a result.json
// with status 'failed' and the tail of its stderr, so the failure shows up in every report.
import { closeSync, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { identityHash } from '../contract/spec.js';
import { EpochRecordSchema, upgradeEpochRecord, type EpochRecord } from '../contract/result.js';
import { taskInfo } from '../tasks/catalog.js';
import { isJobMessage, type JobMessage } from './messages.js';
import type { PlannedJob } from './plan.js';
import { readResult, RESULT_SCHEMA_VERSION, writeResult, type JobResult } from './result.js';
import { ensureDir, METRICS_FILE, openForAppend, OUTPUT_FILE, readJsonLines, SPEC_FILE, writeJsonAtomic } from './store.js';

export type RunnerEvent =
  | { type: 'start'; job: PlannedJob; slot: number; attempt: number; gpu?: string }
  | { type: 'message'; job: PlannedJob; message: JobMessage }
  | { type: 'attempt-failed'; job: PlannedJob; attempt: number; error: string; willRetry: boolean }
  | { type: 'end'; job: PlannedJob; result: JobResult };

export interface ExecutorOptions {
  /** Jobs run at once. */
  slots: number;
  /** One GPU id per slot (slot i gets gpus[i % gpus.length]) through CUDA_VISIBLE_DEVICES. */
  gpus?: string[];
  /** Extra starts of a failed job. Diverged jobs are results and never retried. */
  retries: number;
  /** Per-attempt wall-clock limit; the job is sent SIGTERM, then SIGKILL 5 s later. */
  timeoutMs?: number;
  /** How to start a job process; defaults to this package's `ash job`. */
  command?: JobCommand;
  /** Extra environment for job processes. */
  env?: Record<string, string>;
  onEvent?: (event: RunnerEvent) => void;
  /**
   * Stop the sweep (Ctrl-C): no new job starts, running ones get SIGTERM (SIGKILL 5 s later) and are
   * neither retried nor recorded as failed, so a re-run starts them afresh.
   */
  signal?: AbortSignal;
}

export interface JobCommand {
  file: string;
  args: (jobDir: string) => string[];
}

/**
 * `node <package>/dist/cli/main.js job --dir DIR`, found from this module's own location so a sweep
 * works from any working directory (and from src/ under tsx, where the built CLI is ../../dist).
 */
export function defaultJobCommand(): JobCommand {
  const here = import.meta.url;
  const built = here.endsWith('.ts') ? new URL('../../dist/cli/main.js', here) : new URL('../cli/main.js', here);
  const script = fileURLToPath(built);
  return { file: process.execPath, args: (dir) => [script, 'job', '--dir', dir] };
}

const STDERR_TAIL_BYTES = 4000;

/** The last `limit` characters of a stream's text, cut at a line start where possible. */
class Tail {
  private text = '';
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-2 * this.limit);
  }
  toString(): string {
    const t = this.text.slice(-this.limit);
    const nl = t.indexOf('\n');
    return (t.length === this.limit && nl >= 0 ? t.slice(nl + 1) : t).trimEnd();
  }
}

interface AttemptOutcome {
  result?: JobResult;
  error?: string;
  /** The job process reported a user error (exit code 2: bad data or spec); another start cannot help. */
  userError?: boolean;
  /** Stopped by the user (the sweep's abort signal, or a Ctrl-C the terminal sent the job's process group too). */
  interrupted?: boolean;
}

/** `ash job` exits 2 on a UserError (src/cli/main.ts). */
const USER_ERROR_EXIT_CODE = 2;

function finished(job: PlannedJob): JobResult | undefined {
  const result = readResult(job.dir);
  if (!result || result.status === 'failed') return undefined;
  return identityHash(result.spec) === identityHash(job.spec) ? result : undefined;
}

async function runAttempt(job: PlannedJob, slot: number, attempt: number, options: ExecutorOptions, command: JobCommand): Promise<AttemptOutcome> {
  const gpu = options.gpus && options.gpus.length > 0 ? options.gpus[slot % options.gpus.length] : undefined;
  options.onEvent?.({ type: 'start', job, slot, attempt, ...(gpu === undefined ? {} : { gpu }) });
  // Opened here, once, with O_NOFOLLOW (a link is refused) and handed to the process as a descriptor: checking
  // the path and letting execa open it by name would leave a moment for a link to be swapped in between.
  const path = join(job.dir, OUTPUT_FILE);
  const fd = openForAppend(path);
  try {
    return await runProcess(job, options, command, gpu, createWriteStream(path, { fd, autoClose: false }));
  } finally {
    closeSync(fd);
  }
}

/**
 * One start of the job process. `output` is output.log's stream over the descriptor runAttempt opened: stdout gets
 * the descriptor itself (spawn passes a stream's fd to the child), stderr goes through a pipe into it too, for the
 * tail a failure reports. The stream never closes the descriptor; runAttempt does, once the process has ended.
 */
async function runProcess(job: PlannedJob, options: ExecutorOptions, command: JobCommand, gpu: string | undefined, output: WriteStream): Promise<AttemptOutcome> {
  const subprocess = execa(command.file, command.args(resolve(job.dir)), {
    ipc: true,
    serialization: 'json',
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: output,
    stderr: ['pipe', output],
    timeout: options.timeoutMs ?? 0,
    forceKillAfterDelay: 5000,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    env: { ...options.env, ...(gpu === undefined ? {} : { CUDA_VISIBLE_DEVICES: gpu }) },
  });
  const stderr = new Tail(STDERR_TAIL_BYTES);
  subprocess.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const messages = (async () => {
    try {
      for await (const message of subprocess.getEachMessage()) {
        if (isJobMessage(message)) options.onEvent?.({ type: 'message', job, message });
      }
    } catch {
      // The channel closes when the job ends, however it ends; the exit status tells the rest.
    }
  })();
  const ended = await subprocess;
  await messages;
  const result = finished(job);
  if (result) return { result };
  if (options.signal?.aborted || ended.signal === 'SIGINT') return { interrupted: true };
  let how: string;
  if (ended.timedOut) how = `timed out after ${((options.timeoutMs ?? 0) / 60000).toFixed(2)} minutes`;
  else if (ended.signal) how = `was killed by ${ended.signal}${ended.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`;
  else if (ended.exitCode !== 0) how = `exited with code ${ended.exitCode}`;
  else if (ended.failed) how = `could not run: ${ended.shortMessage ?? ended.message}`;
  else how = `exited without writing ${join(job.dir, 'result.json')}`;
  const tail = stderr.toString();
  return { error: `job process ${how}${tail ? `\n${tail}` : ''}`, userError: !ended.timedOut && !ended.signal && ended.exitCode === USER_ERROR_EXIT_CODE };
}

/** The epochs the last attempt got through before it failed (lines a killed writer cut short are skipped). */
function epochsSoFar(job: PlannedJob): EpochRecord[] {
  return readJsonLines(join(job.dir, METRICS_FILE)).flatMap((line) => {
    const parsed = EpochRecordSchema.safeParse(upgradeEpochRecord(line));
    return parsed.success ? [parsed.data] : [];
  });
}

function failedResult(job: PlannedJob, error: string, attempts: number, startedAt: Date): JobResult {
  const finishedAt = new Date();
  const info = taskInfo(job.spec.task);
  return {
    schema: RESULT_SCHEMA_VERSION,
    jobId: job.id,
    task: info.name,
    primaryMetric: info.primaryMetric,
    status: 'failed',
    spec: job.spec,
    metrics: Object.fromEntries(info.metrics.map((m) => [m.key, null])),
    history: epochsSoFar(job),
    env: { pid: process.pid },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    attempts,
    error,
  };
}

/** A job's result; undefined when the sweep was interrupted before it finished. */
async function runJob(job: PlannedJob, slot: number, options: ExecutorOptions, command: JobCommand): Promise<JobResult | undefined> {
  ensureDir(job.dir);
  writeJsonAtomic(join(job.dir, SPEC_FILE), job.spec);
  const startedAt = new Date();
  let lastError = '';
  let tried = 0;
  const attempts = 1 + options.retries;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const outcome = await runAttempt(job, slot, attempt, options, command);
    if (outcome.result) {
      const result = attempt > 1 ? { ...outcome.result, attempts: attempt } : outcome.result;
      if (attempt > 1) writeResult(job.dir, result);
      options.onEvent?.({ type: 'end', job, result });
      return result;
    }
    if (outcome.interrupted) return undefined;
    lastError = outcome.error ?? 'unknown failure';
    tried = attempt;
    const willRetry = attempt < attempts && !outcome.userError;
    options.onEvent?.({ type: 'attempt-failed', job, attempt, error: lastError, willRetry });
    if (!willRetry) break;
  }
  const result = failedResult(job, lastError, tried, startedAt);
  writeResult(job.dir, result);
  options.onEvent?.({ type: 'end', job, result });
  return result;
}

/**
 * Run `jobs` on a pool of `options.slots` processes. Resolves with every job's result, in job order;
 * after an interruption, with the results of the jobs that finished.
 */
export async function executeJobs(jobs: PlannedJob[], options: ExecutorOptions): Promise<JobResult[]> {
  const command = options.command ?? defaultJobCommand();
  if (!options.command && !existsSync(command.args('')[0]!)) {
    throw new Error(`the built CLI ${command.args('')[0]} is missing; run \`npm run build\` first`);
  }
  const results: (JobResult | undefined)[] = new Array(jobs.length);
  let next = 0;
  let interrupted = false;
  const worker = async (slot: number): Promise<void> => {
    while (next < jobs.length && !interrupted && !options.signal?.aborted) {
      const index = next++;
      const result = await runJob(jobs[index]!, slot, options, command);
      results[index] = result;
      // A job stopped by Ctrl-C: the user wants the sweep to stop, even before the sweep saw the signal.
      if (!result) interrupted = true;
    }
  };
  const slots = Math.max(1, Math.min(options.slots, jobs.length));
  await Promise.all(Array.from({ length: slots }, (_, slot) => worker(slot)));
  return results.filter((r): r is JobResult => r !== undefined);
}
