// result.json: the one file that says a job has ended, and how. Written once, atomically, when a job ends
// (by the job process for ok/diverged, by the runner for failed); read by the planner, `ash status` and the
// report. Schema 2 names the task and its primary metric and keeps each task's own metrics record; schema 1
// (classification only, per-epoch metrics flat in each history record) is read and upgraded on the way in.
import * as z from 'zod';
import { jobIdOf, JobSpecSchema } from './spec.js';
import { TaskNameSchema, type TaskName } from './task-name.js';

export const RESULT_SCHEMA_VERSION = 2;
export const READABLE_RESULT_SCHEMAS = [1, 2] as const;

export const JOB_STATUSES = ['ok', 'diverged', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Bounds on what a metric can be: JSON has no NaN, so a diverged run's NaN is written as null, and no training run
 * produces a final loss of 1e308 (such a value made the mean overflow into an "Infinity" CI). Curves (per-epoch
 * values) get a looser bound, since a run on its way to diverging can report huge losses before its NaN.
 */
const MAX_METRIC = 1e12;
const MAX_CURVE_VALUE = 1e30;
/** Metrics in percent, whichever task records them. */
const PERCENT_METRICS = new Set(['top1', 'top5', 'miou', 'pixelAcc', 'map', 'map50', 'map75']);
const within = (limit: number) =>
  z
    .number()
    .nullable()
    .refine((v) => v === null || Math.abs(v) <= limit, { message: `expected a value within ±${limit.toExponential()} (no run produces more)` });
export const MetricValueSchema = within(MAX_METRIC);
const CurveValueSchema = within(MAX_CURVE_VALUE);

/** A task's metrics by name, e.g. { top1, top5, valLoss } or { miou, pixelAcc, valLoss }. */
export const MetricRecordSchema = z.record(z.string(), MetricValueSchema).superRefine((metrics, ctx) => {
  for (const [key, value] of Object.entries(metrics)) {
    if (PERCENT_METRICS.has(key) && value !== null && (value < 0 || value > 100)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${value} is not a percentage (expected 0..100)` });
    }
  }
});
const CurveRecordSchema = z.record(z.string(), CurveValueSchema);
export type MetricRecord = z.output<typeof MetricRecordSchema>;

/** Learned parameters of one ASH layer, recorded after each epoch. */
export const AshLayerStateSchema = z.object({ layer: z.string(), z: CurveValueSchema, alpha: CurveValueSchema });
export type AshLayerState = z.output<typeof AshLayerStateSchema>;

/** One line of metrics.jsonl and one entry of result.json's history: what an epoch ended with. */
export const EpochRecordSchema = z.looseObject({
  epoch: z.int().min(0),
  trainLoss: CurveValueSchema,
  lr: CurveValueSchema,
  seconds: CurveValueSchema,
  /** The task's evaluation after this epoch. */
  metrics: CurveRecordSchema,
  ash: z.array(AshLayerStateSchema).optional(),
});
export type EpochRecord = z.output<typeof EpochRecordSchema>;

export const JobResultSchema = z.looseObject({
  schema: z.literal(RESULT_SCHEMA_VERSION),
  jobId: z.string().min(1),
  task: TaskNameSchema,
  /** The metric a task's tables lead with (classification top1, segmentation miou, detection map50). */
  primaryMetric: z.string().min(1),
  status: z.enum(JOB_STATUSES),
  spec: JobSpecSchema.extend({
    /** The paper table the run reproduces, when a sweep config says so. */
    paper: z.string().min(1).optional(),
  }),
  /** The final evaluation (null values when diverged or failed). */
  metrics: MetricRecordSchema,
  /** Per-class values of the final evaluation (segmentation IoU, detection AP), by class name, where the task has them. */
  perClass: z.record(z.string(), MetricRecordSchema).optional(),
  history: z.array(EpochRecordSchema),
  env: z.record(z.string(), z.unknown()),
  /**
   * When the job's first attempt started (ISO 8601). A run resumed from a checkpoint keeps its first start, so
   * finishedAt - startedAt is the elapsed time from first start to end, pauses between attempts included.
   */
  startedAt: z.string(),
  finishedAt: z.string(),
  /**
   * Wall-clock seconds the job spent on this result, over all its attempts: each earlier attempt up to its last
   * checkpoint (what it did after that was lost and redone) plus the last attempt whole; the pauses between
   * attempts are not counted. A failed result (the runner's, when every try failed): its sweep's first try to
   * its last, startedAt likewise. Resumed results of ash-bench before this was kept give the last attempt only.
   */
  seconds: z.number().optional(),
  /** How many times the job was started before this result. */
  attempts: z.int().optional(),
  error: z.string().optional(),
});
export type JobResult = z.output<typeof JobResultSchema>;

/** Fields an epoch record has for every task; the rest of a schema-1 record were its metrics. */
const EPOCH_COMMON = new Set(['epoch', 'trainLoss', 'lr', 'seconds', 'ash']);

/** A schema-1 epoch record `{ epoch, trainLoss, valLoss, top1, top5, lr, seconds, ash }` in schema 2's shape. */
export function upgradeEpochRecord(record: unknown): unknown {
  if (record === null || typeof record !== 'object' || Array.isArray(record) || 'metrics' in record) return record;
  const common: Record<string, unknown> = {};
  const metrics: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) (EPOCH_COMMON.has(key) ? common : metrics)[key] = value;
  return { ...common, metrics };
}

/** The primary metric of a schema-1 result, by task (schema 1 only knew classification). */
const SCHEMA1_PRIMARY: Record<TaskName, string> = { classification: 'top1', segmentation: 'miou', detection: 'map50' };

/**
 * A parsed result.json of any readable schema, as schema 2. Schema 1 gains `task` (classification),
 * `primaryMetric` (top1) and nested epoch metrics; its spec gets schema 2's defaults. Anything else is left for
 * the schema to judge.
 */
export function upgradeResult(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || (raw as { schema?: unknown }).schema !== 1) return raw;
  const old = raw as Record<string, unknown> & { history?: unknown; metrics?: unknown };
  const task: TaskName = 'classification';
  return {
    ...old,
    schema: RESULT_SCHEMA_VERSION,
    task,
    primaryMetric: SCHEMA1_PRIMARY[task],
    metrics: old.metrics ?? {},
    history: Array.isArray(old.history) ? old.history.map(upgradeEpochRecord) : old.history,
  };
}

/** The id given to an old `ash train` output until its spec is parsed (see upgradeTrainOutput). */
const PENDING_ID = '(from spec)';

/**
 * `ash train` wrote its own result.json before it became a one-job sweep: no schema, no jobId, a spec without
 * sweep or label. Read as schema 1 of a sweep named "train", its row labelled by the activation.
 */
function upgradeTrainOutput(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || 'schema' in raw || !('spec' in raw && 'status' in raw && 'history' in raw)) return raw;
  const old = raw as { spec?: { activation?: { name?: unknown } } };
  return { ...raw, schema: 1, jobId: PENDING_ID, spec: { sweep: 'train', label: old.spec?.activation?.name, ...old.spec } };
}

export type ParsedResult = { ok: true; result: JobResult } | { ok: false; message: string };

/** A result.json's content checked against the contract (schemas 1 and 2), with a one-line reason when it fails. */
export function parseResult(input: unknown): ParsedResult {
  const raw = upgradeTrainOutput(input);
  const version = raw !== null && typeof raw === 'object' ? (raw as { schema?: unknown }).schema : undefined;
  if (!(READABLE_RESULT_SCHEMAS as readonly unknown[]).includes(version)) {
    const got = version === undefined ? 'no "schema" field' : `schema ${JSON.stringify(version)}`;
    return {
      ok: false,
      message: `${got}; this version of ash-bench reads result.json schemas ${READABLE_RESULT_SCHEMAS.join(' and ')} (re-run the job or use the matching ash-bench version)`,
    };
  }
  const parsed = JobResultSchema.safeParse(upgradeResult(raw));
  if (parsed.success) return { ok: true, result: parsed.data.jobId === PENDING_ID ? { ...parsed.data, jobId: jobIdOf(parsed.data.spec) } : parsed.data };
  const message = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `field '${issue.path.join('.') || '(root)'}': ${issue.message}`)
    .join('; ');
  return { ok: false, message };
}

/** NaN/inf as null, so that JSON round-trips and readers see "no value" rather than a number. */
export function finiteOrNull(value: number | null | undefined): number | null {
  return value !== undefined && value !== null && Number.isFinite(value) ? value : null;
}

/** Every value of a metrics record through finiteOrNull. */
export function finiteMetrics(metrics: Record<string, number | null>): MetricRecord {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, finiteOrNull(v)]));
}
