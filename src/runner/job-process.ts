// The inside of one job process (`ash job --dir DIR`): read spec.json, train, stream each epoch to
// metrics.jsonl (and progress to the sweep), write result.json at the end. A training error is thrown
// (the process exits non-zero and the sweep records the failure); a diverged run is a result.
import { hostname } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runTraining } from '../tasks/registry.js';
import { taskInfo } from '../tasks/catalog.js';
import type { TrainHooks } from '../tasks/task.js';
import { jobIdOf, JobSpecSchema, type JobSpec } from '../contract/spec.js';
import { UserError } from '../engine/errors.js';
import type { JobMessage } from './messages.js';
import { finiteMetrics, RESULT_SCHEMA_VERSION, writeResult, type JobResult } from './result.js';
import { appendJsonLine, LOG_FILE, METRICS_FILE, openForAppend, readJsonFile, removeStaleTempFiles, resetFile, SPEC_FILE } from './store.js';

/** spec.json, checked against the contract (older files gain schema 2's defaults, e.g. task: classification). */
export function readJobSpec(dir: string): JobSpec {
  const path = join(dir, SPEC_FILE);
  let raw: unknown;
  try {
    raw = readJsonFile(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read the job spec: ${(err as Error).message}`);
  }
  const parsed = JobSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new UserError(`${path}: ${first.path.join('.') || '(top level)'}: ${first.message}`);
  }
  return parsed.data;
}

function send(message: JobMessage): void {
  // Only when started by a sweep (with an IPC channel); by hand there is nobody to tell.
  if (process.connected) process.send?.(message);
}

/** Progress for the live view a few times a second at most; epochs always go through. */
function stepThrottle(intervalMs: number): (message: JobMessage) => void {
  let last = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    send(message);
  };
}

/**
 * Run the job whose spec.json is in `dir`, streaming epochs to metrics.jsonl and log.jsonl, and write result.json.
 * `hooks` see the same events as the sweep's progress messages (what `ash train` draws its progress from).
 */
export async function runJobInDir(dir: string, hooks: TrainHooks = {}): Promise<JobResult> {
  const spec = readJobSpec(dir);
  const jobId = jobIdOf(spec);
  removeStaleTempFiles(dir);
  // A new attempt starts a new history.
  resetFile(join(dir, METRICS_FILE));
  const log = pino({ base: { jobId } }, pino.destination({ dest: openForAppend(join(dir, LOG_FILE)), sync: true }));
  const startedAt = new Date();
  log.info({ spec, pid: process.pid, host: hostname() }, 'job started');
  const sendStep = stepThrottle(250);
  try {
    const trained = await runTraining(spec, {
      onReady: (info) => {
        log.info(info, 'data and model ready');
        send({ type: 'ready', ...info, epochs: spec.train.epochs });
        hooks.onReady?.(info);
      },
      onStep: (p) => {
        sendStep({ type: 'step', ...p });
        hooks.onStep?.(p);
      },
      onEpoch: (record) => {
        appendJsonLine(join(dir, METRICS_FILE), record);
        log.info(record, 'epoch');
        send({ type: 'epoch', record });
        hooks.onEpoch?.(record);
      },
    }, { outputDir: dir });
    const finishedAt = new Date();
    const info = taskInfo(spec.task);
    const result: JobResult = {
      schema: RESULT_SCHEMA_VERSION,
      jobId,
      task: info.name,
      primaryMetric: info.primaryMetric,
      status: trained.status,
      spec,
      metrics: finiteMetrics(trained.metrics),
      ...(trained.perClass ? { perClass: trained.perClass } : {}),
      history: trained.history,
      env: { ...trained.env, host: hostname(), pid: process.pid, cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES },
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    };
    if (trained.error) result.error = trained.error;
    writeResult(dir, result);
    log.info({ status: result.status, metrics: result.metrics, error: result.error }, 'job finished');
    return result;
  } catch (err) {
    log.error({ err }, 'job failed');
    throw err;
  }
}
