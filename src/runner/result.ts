// result.json: the one file that says a job has ended, and how. Written once, atomically, at the end
// of a job (by the job process for ok/diverged, by the sweep for failed). Reports read only these.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { JobSpec } from '../config/expand.js';
import type { EpochRecord } from '../tasks/spec.js';
import { RESULT_FILE, readJsonFile, writeJsonAtomic } from './store.js';

export const RESULT_SCHEMA_VERSION = 1;

export const JOB_STATUSES = ['ok', 'diverged', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** NaN and infinities become null in JSON; metrics of a diverged or failed run are null. */
const metric = z.number().nullable();

const JobResultSchema = z.looseObject({
  schema: z.literal(RESULT_SCHEMA_VERSION),
  jobId: z.string(),
  status: z.enum(JOB_STATUSES),
  spec: z.looseObject({
    sweep: z.string(),
    label: z.string(),
    activation: z.looseObject({ name: z.string() }),
    model: z.string(),
    dataset: z.string(),
    seed: z.number(),
  }),
  metrics: z.looseObject({ top1: metric, top5: metric, valLoss: metric }),
  history: z.array(z.looseObject({ epoch: z.number() })),
  env: z.record(z.string(), z.unknown()),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Wall-clock seconds of the attempt that produced this result. */
  seconds: z.number().optional(),
  /** How many times the job was started before this result. */
  attempts: z.number().optional(),
  error: z.string().optional(),
});

export interface JobResult {
  schema: typeof RESULT_SCHEMA_VERSION;
  jobId: string;
  status: JobStatus;
  spec: JobSpec;
  metrics: { top1: number | null; top5: number | null; valLoss: number | null; [k: string]: unknown };
  history: EpochRecord[];
  env: Record<string, unknown>;
  startedAt: string;
  finishedAt: string;
  seconds?: number;
  attempts?: number;
  error?: string;
}

export function resultPath(jobDir: string): string {
  return join(jobDir, RESULT_FILE);
}

/** The job's result, or undefined when it has none (or an unreadable one, which counts as none). */
export function readResult(jobDir: string): JobResult | undefined {
  const path = resultPath(jobDir);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JobResultSchema.safeParse(readJsonFile(path));
    return parsed.success ? (parsed.data as unknown as JobResult) : undefined;
  } catch {
    return undefined;
  }
}

export function writeResult(jobDir: string, result: JobResult): void {
  writeJsonAtomic(resultPath(jobDir), result);
}

/** NaN/inf as null, so that JSON round-trips and readers see "no value" rather than a number. */
export function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
