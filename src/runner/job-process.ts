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
import { appendJsonLine, LOG_FILE, METRICS_FILE, openForAppend, readJsonFile, removeStaleTempFiles, resetFile, SPEC_FILE, writeFileAtomic } from './store.js';
import { loadCheckpoint, removeCheckpoints, saveCheckpoint } from './checkpoint.js';
import { MODEL_DIR, saveLayersModel } from './model-files.js';
import { jobClock } from './job-clock.js';

/**
 * For tests of resuming: the job process kills itself (SIGKILL, as an out-of-memory kill or a preempted node
 * would) right after this epoch is saved and reported. Never set it in real runs.
 */
export const KILL_AFTER_EPOCH_ENV = 'ASH_TEST_KILL_AFTER_EPOCH';

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

/**
 * The job process's peak resident memory so far in MiB (getrusage's ru_maxrss, which Node gives in KiB): what
 * a run of this model and activation costs in memory, recorded in env so the report can compare activations.
 * Not in the epoch records: those must be identical when the same run is repeated or resumed.
 */
export function peakRssMB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
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
  // An attempt continues from the last complete epoch of an earlier one (killed, failed, preempted) when it saved
  // a checkpoint, with that checkpoint's history; otherwise it starts a new history.
  const resumeFrom = loadCheckpoint(dir, spec);
  const metricsPath = join(dir, METRICS_FILE);
  if (resumeFrom) writeFileAtomic(metricsPath, resumeFrom.history.map((r) => `${JSON.stringify(r)}\n`).join(''));
  else resetFile(metricsPath);
  const log = pino({ base: { jobId } }, pino.destination({ dest: openForAppend(join(dir, LOG_FILE)), sync: true }));
  const attemptStart = new Date();
  const clock = jobClock(attemptStart, resumeFrom);
  log.info({ spec, pid: process.pid, host: hostname(), attemptStartedAt: attemptStart.toISOString() }, 'job started');
  if (resumeFrom) log.info({ epoch: resumeFrom.epoch, globalStep: resumeFrom.globalStep }, 'resuming from checkpoint');
  const killAfter = Number(process.env[KILL_AFTER_EPOCH_ENV] ?? NaN);
  const sendStep = stepThrottle(250);
  try {
    const trained = await runTraining(spec, {
      ...(resumeFrom ? { resumeFrom } : {}),
      onCheckpoint: (state) => {
        const started = performance.now();
        const saved = saveCheckpoint(dir, spec, { ...state, clock: clock.at(new Date()) });
        log.info({ epoch: state.epoch, bytes: saved.bytes, seconds: (performance.now() - started) / 1000 }, 'checkpoint saved');
      },
      onTrained: async (model) => {
        const started = performance.now();
        await saveLayersModel(model, join(dir, MODEL_DIR));
        log.info({ dir: join(dir, MODEL_DIR), seconds: (performance.now() - started) / 1000 }, 'model saved');
      },
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
        appendJsonLine(metricsPath, record);
        log.info(record, 'epoch');
        send({ type: 'epoch', record });
        hooks.onEpoch?.(record);
        if (record.epoch === killAfter) process.kill(process.pid, 'SIGKILL');
      },
    }, { outputDir: dir });
    const finishedAt = new Date();
    const total = clock.at(finishedAt);
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
      env: {
        ...trained.env,
        host: hostname(),
        pid: process.pid,
        cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES,
        peakRssMB: peakRssMB(),
        ...(resumeFrom ? { resumedFromEpoch: resumeFrom.epoch } : {}),
      },
      startedAt: total.startedAt,
      finishedAt: finishedAt.toISOString(),
      seconds: total.seconds,
    };
    if (trained.error) result.error = trained.error;
    writeResult(dir, result);
    // The result is final (and the weights are in model/): the checkpoint has nothing left to resume.
    removeCheckpoints(dir);
    log.info({ status: result.status, metrics: result.metrics, error: result.error }, 'job finished');
    return result;
  } catch (err) {
    log.error({ err }, 'job failed');
    throw err;
  }
}
