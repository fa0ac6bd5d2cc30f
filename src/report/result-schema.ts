// The shape of results/<sweep>/<jobId>/result.json as the report reads it (schema 1, written by the sweep runner).
// Lenient where the runner may add fields (loose objects), strict where the report depends on a value.
import { z } from 'zod';

export const RESULT_SCHEMA_VERSION = 1;

/** JSON has no NaN: a diverged run's NaN loss is written as null. */
const metricValue = z.number().nullable();

const ashLayerState = z.looseObject({ layer: z.string(), z: metricValue, alpha: metricValue });

const epochRecord = z.looseObject({
  epoch: z.number().int().nonnegative(),
  trainLoss: metricValue.optional(),
  valLoss: metricValue.optional(),
  top1: metricValue.optional(),
  top5: metricValue.optional(),
  lr: metricValue.optional(),
  seconds: metricValue.optional(),
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
  metrics: z.record(z.string(), metricValue).nullable().optional(),
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
