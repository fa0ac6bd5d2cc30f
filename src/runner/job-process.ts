// The inside of one job process (`ash job --dir DIR`): read spec.json, train, stream each epoch to
// metrics.jsonl (and progress to the sweep), write result.json at the end. A training error is thrown
// (the process exits non-zero and the sweep records the failure); a diverged run is a result.
import { hostname } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import * as z from 'zod';
import { runTraining } from '../tasks/train.js';
import { jobIdOf, type JobSpec } from '../config/expand.js';
import { UserError } from '../engine/errors.js';
import type { JobMessage } from './messages.js';
import { finiteOrNull, RESULT_SCHEMA_VERSION, writeResult, type JobResult } from './result.js';
import { appendJsonLine, LOG_FILE, METRICS_FILE, openForAppend, readJsonFile, removeStaleTempFiles, resetFile, SPEC_FILE } from './store.js';

/** spec.json as the sweep writes it; checked loosely here, since the training code checks its own parts. */
const JobSpecFileSchema = z.looseObject({
  sweep: z.string(),
  label: z.string(),
  activation: z.looseObject({ name: z.string() }),
  model: z.string(),
  dataset: z.string(),
  seed: z.int(),
  backend: z.string(),
  train: z.looseObject({ epochs: z.int() }),
  data: z.looseObject({}),
});

export function readJobSpec(dir: string): JobSpec {
  const path = join(dir, SPEC_FILE);
  let raw: unknown;
  try {
    raw = readJsonFile(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read the job spec: ${(err as Error).message}`);
  }
  const parsed = JobSpecFileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new UserError(`${path}: ${first.path.join('.') || '(top level)'}: ${first.message}`);
  }
  return parsed.data as unknown as JobSpec;
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

export async function runJobInDir(dir: string): Promise<JobResult> {
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
      },
      onStep: (p) => sendStep({ type: 'step', ...p }),
      onEpoch: (record) => {
        appendJsonLine(join(dir, METRICS_FILE), record);
        log.info(record, 'epoch');
        send({ type: 'epoch', record });
      },
    });
    const finishedAt = new Date();
    const result: JobResult = {
      schema: RESULT_SCHEMA_VERSION,
      jobId,
      status: trained.status,
      spec,
      metrics: {
        ...trained.metrics,
        top1: finiteOrNull(trained.metrics.top1),
        top5: finiteOrNull(trained.metrics.top5),
        valLoss: finiteOrNull(trained.metrics.valLoss),
      },
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
