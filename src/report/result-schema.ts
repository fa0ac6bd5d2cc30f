// The shape of results/<sweep>/<jobId>/result.json as the report reads it (schema 1, written by the sweep runner).
// Lenient where the runner may add fields (loose objects), strict where the report depends on a value.
import { z } from 'zod';

export const RESULT_SCHEMA_VERSION = 1;

/** JSON has no NaN: a diverged run's NaN loss is written as null. */
const metricValue = z.number().nullable();

/**
 * Bounds on what a metric can be. A training run cannot produce a loss of 1e308, and such a value made
 * the mean overflow into an "Infinity" CI; accuracies are percentages. History records (curves) get a
 * looser bound, as a run on its way to diverging can report huge losses before its NaN.
 */
const MAX_METRIC = 1e12;
const MAX_CURVE_VALUE = 1e30;
const PERCENT_METRICS = new Set(['top1', 'top5']);
const within = (limit: number) =>
  metricValue.refine((v) => v === null || Math.abs(v) <= limit, { message: `expected a value within ±${limit.toExponential()} (no run produces more)` });
const metricsRecord = z.record(z.string(), within(MAX_METRIC)).superRefine((metrics, ctx) => {
  for (const [key, value] of Object.entries(metrics)) {
    if (PERCENT_METRICS.has(key) && value !== null && (value < 0 || value > 100)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${value} is not a percentage (expected 0..100)` });
    }
  }
});
const curveValue = within(MAX_CURVE_VALUE);

const ashLayerState = z.looseObject({ layer: z.string(), z: curveValue, alpha: curveValue });

const epochRecord = z.looseObject({
  epoch: z.number().int().nonnegative(),
  trainLoss: curveValue.optional(),
  valLoss: curveValue.optional(),
  top1: curveValue.optional(),
  top5: curveValue.optional(),
  lr: curveValue.optional(),
  seconds: curveValue.optional(),
  ash: z.array(ashLayerState).optional(),
});

const resultSpec = z.looseObject({
  sweep: z.string().min(1).optional(),
  activation: z.looseObject({ name: z.string().min(1) }),
  label: z.string().min(1).optional(),
  model: z.string().min(1),
  dataset: z.string().min(1),
  seed: z.number(),
  train: z.unknown().optional(),
  data: z.unknown().optional(),
  backend: z.string().optional(),
  /** The paper table this run reproduces, e.g. 'table2-cifar10' (a sweep config may carry it). */
  paper: z.string().min(1).optional(),
});

export const resultFileSchema = z.looseObject({
  schema: z.literal(RESULT_SCHEMA_VERSION),
  jobId: z.string().min(1),
  status: z.enum(['ok', 'diverged', 'failed']),
  spec: resultSpec,
  metrics: metricsRecord.nullable().optional(),
  history: z.array(epochRecord).optional(),
  env: z
    .looseObject({ backend: z.string().optional(), versions: z.record(z.string(), z.string()).optional() })
    .optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: z.string().nullable().optional(),
});

export type ResultFile = z.infer<typeof resultFileSchema>;
export type ResultEpoch = z.infer<typeof epochRecord>;
export type RunStatus = ResultFile['status'];
