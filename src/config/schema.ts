// The sweep config schema: the single source of truth for what a config file may say, and (through
// z.infer) of the TypeScript types the rest of the code sees. Every object is strict, so a typo is an
// error rather than a silently ignored key. Names of activations, models and datasets are checked
// against their registries at parse time, so a registry that grows needs no change here.
import * as z from 'zod';
import { BACKEND_CHOICES } from '../engine/backend.js';
import { didYouMean } from '../engine/errors.js';
import { DEFAULT_RECIPE } from '../tasks/spec.js';
import { activationNames, activationOptionsSchema } from '../activations/registry.js';
import { isModelName, modelNames } from '../models/registry.js';
import { datasetNames, streamableDatasetNames } from '../data/registry.js';
import { AUGMENT_KINDS } from '../data/augment.js';

/** `expected one of: a, b, c` with the names sorted. */
export function oneOf(names: readonly string[]): string {
  return `expected one of: ${[...names].sort().join(', ')}`;
}

/** A name the registry accepts (`accepts` may know patterns such as wrn<depth>-<width> beyond the listed names). */
function registeredName(kind: string, names: () => string[], accepts: (name: string) => boolean = (n) => names().includes(n)) {
  return z.string().superRefine((name, ctx) => {
    if (!accepts(name)) ctx.addIssue({ code: 'custom', message: `unknown ${kind} '${name}' (${oneOf(names())}${didYouMean(name, names())})` });
  });
}

const modelName = registeredName('model', modelNames, isModelName);
const datasetName = registeredName('dataset', datasetNames);

const positiveInt = z.int().min(1);
const fraction = z.number().min(0).lt(1);

/** `[min, max]` of numbers each passing `bound`, with min <= max. */
function range(bound: z.ZodNumber, what: string) {
  return z.tuple([bound, bound], { error: `expected [min, max] ${what}` }).superRefine(([lo, hi], ctx) => {
    if (lo > hi) ctx.addIssue({ code: 'custom', message: `[${lo}, ${hi}] has min above max (expected [min, max] ${what})` });
  });
}

/**
 * The augmentation group. `kind` has no default: left out, each dataset's own default applies when the
 * sweep is expanded (random-resized-crop for imagefolder and tiny-imagenet, pad-crop for the rest).
 * `crop` is pad-crop's, `scale` and `ratio` random-resized-crop's (torchvision's defaults when absent);
 * each kind ignores the other's fields, so a base config can set both and a per-dataset override pick the
 * kind, and a job's spec keeps only the fields its kind uses.
 */
function augmentSchema<M extends 'full' | 'partial'>(
  _mode: M,
  field: <T extends z.ZodType>(schema: T, fallback: z.input<T>) => M extends 'full' ? z.ZodDefault<T> : z.ZodOptional<T>,
) {
  const d = DEFAULT_RECIPE.augment;
  return z.strictObject({
    kind: z.enum(AUGMENT_KINDS).optional(),
    crop: field(z.int().min(0), d.crop),
    flip: field(z.boolean(), d.flip),
    scale: range(z.number().gt(0).max(1), 'fractions of the image area, 0 < min <= max <= 1').optional(),
    ratio: range(z.number().positive(), 'aspect ratios width/height, 0 < min <= max').optional(),
  });
}

// The recipe fields exist twice: filled with defaults (top-level `train`) and all-optional (inside
// `overrides`, where a missing field means "keep the sweep's value"). One builder keeps them in step.
function recipeShape<M extends 'full' | 'partial'>(mode: M) {
  const d = DEFAULT_RECIPE;
  const field = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
    (mode === 'full' ? schema.default(fallback as never) : schema.optional()) as M extends 'full' ? z.ZodDefault<T> : z.ZodOptional<T>;
  const group = <T extends z.ZodType>(schema: T) =>
    (mode === 'full' ? schema.prefault({} as never) : schema.optional()) as M extends 'full' ? z.ZodPrefault<T> : z.ZodOptional<T>;
  return {
    epochs: field(positiveInt, d.epochs),
    batchSize: field(positiveInt, d.batchSize),
    optimizer: group(
      z.strictObject({
        name: field(z.literal('sgd'), d.optimizer.name),
        lr: field(z.number().positive(), d.optimizer.lr),
        momentum: field(fraction, d.optimizer.momentum),
        nesterov: field(z.boolean(), d.optimizer.nesterov),
        weightDecay: field(z.number().min(0), d.optimizer.weightDecay),
      }),
    ),
    schedule: field(z.enum(['cosine', 'constant']), d.schedule),
    bnMomentum: field(fraction, d.bnMomentum),
    augment: group(augmentSchema(mode, field)),
  };
}

export const TrainRecipeSchema = z.strictObject(recipeShape('full'));
export const PartialTrainRecipeSchema = z.strictObject(recipeShape('partial'));

export const DataLimitsSchema = z.strictObject({
  trainLimit: positiveInt.optional(),
  testLimit: positiveInt.optional(),
  /** Relative paths are relative to the directory the sweep is started from. */
  dataDir: z.string().min(1).optional(),
  /** Stream imagefolder / tiny-imagenet from the on-disk cache batch by batch (bounded memory). */
  stream: z.boolean().optional(),
});

/** Per-model or per-dataset changes to the recipe and data limits. */
export const OverrideSchema = z.strictObject({
  train: PartialTrainRecipeSchema.optional(),
  data: DataLimitsSchema.optional(),
});

/**
 * One grid activation: a bare name (`relu`) or `{ name, label?, ...options }`. The options are checked
 * by the activation's own schema from the activation registry, and come out with its defaults filled.
 */
export const ActivationEntrySchema = z.preprocess(
  (value) => (typeof value === 'string' ? { name: value } : value),
  z
    .looseObject(
      { name: z.string(), label: z.string().min(1).optional() },
      { error: 'expected an activation name or an object { name, label?, ...options }' },
    )
    .transform((entry, ctx) => {
      const { name, label, ...options } = entry;
      const valid = activationNames();
      if (!valid.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['name'], message: `unknown activation '${name}' (${oneOf(valid)}${didYouMean(name, valid)})`, input: name });
        return z.NEVER;
      }
      const parsed = activationOptionsSchema(name).safeParse(options);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: undefined } as never);
        return z.NEVER;
      }
      return { name, label, options: parsed.data as Record<string, unknown> };
    }),
);

/**
 * A list-level check that runs even when some items are invalid, so duplicates are reported together
 * with the other mistakes instead of only after those are fixed (zod skips refinements by default
 * once an issue was found; a check's `when` overrides that).
 */
function listCheck(fn: (items: unknown[], ctx: z.RefinementCtx<unknown[]>) => void) {
  const check = z.superRefine(fn);
  (check._zod.def as { when?: (payload: { value: unknown }) => boolean }).when = (payload) => Array.isArray(payload.value);
  return check;
}

/** The first index at which each key was seen; an issue at every later repeat. */
function noRepeats(keyOf: (item: unknown) => string | undefined, message: (key: string, first: number) => string) {
  return listCheck((items, ctx) => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const key = keyOf(item);
      if (key === undefined) return;
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [index], message: message(key, first), input: item });
      else seen.set(key, index);
    });
  });
}

/** A list of unique values (duplicates in a grid would make two identical jobs). */
function uniqueList<T extends z.ZodType>(item: T, what: string, field: string) {
  return z
    .array(item)
    .min(1, `expected at least one ${what}`)
    .check(
      noRepeats(
        (value) => (typeof value === 'string' || typeof value === 'number' ? JSON.stringify(value) : undefined),
        (key, first) => `${key} repeats ${field}.${first} (expected each ${what} once)`,
      ),
    );
}

/** Rows of the results table are keyed by label (default: the name), so two entries must not share one. */
function activationLabel(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry !== null && typeof entry === 'object') {
    const { label, name } = entry as { label?: unknown; name?: unknown };
    const chosen = label ?? name;
    return typeof chosen === 'string' ? chosen : undefined;
  }
  return undefined;
}

export const GridSchema = z.strictObject({
  activation: z
    .array(ActivationEntrySchema)
    .min(1, 'expected at least one activation')
    .check(
      noRepeats(
        activationLabel,
        (label, first) => `label '${label}' is already used by grid.activation.${first} (expected distinct labels: add label: ... to one of them)`,
      ),
    ),
  model: uniqueList(modelName, 'model', 'grid.model'),
  dataset: uniqueList(datasetName, 'dataset', 'grid.dataset'),
});

export const SweepConfigSchema = z.strictObject({
  /** Results go to <out>/<name>/. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" and "-" only: the name is a directory'),
  /** Path of a base config this one extends (deep-merged; lists are replaced). Resolved by the loader. */
  extends: z.string().min(1).optional(),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  grid: GridSchema,
  seeds: uniqueList(z.int().min(0), 'seed', 'seeds'),
  train: TrainRecipeSchema.prefault({}),
  data: DataLimitsSchema.prefault({}),
  /** Applied on top of train/data: first the dataset's entry, then the model's. */
  overrides: z
    .strictObject({
      model: z.record(modelName, OverrideSchema).optional(),
      dataset: z.record(datasetName, OverrideSchema).optional(),
    })
    .optional(),
  /** How often a failed job (crash, timeout) is started again. Diverged jobs are results and never retried. */
  retries: z.int().min(0).default(1),
  /** Per-job wall-clock limit; absent means none. */
  timeoutMinutes: z.number().positive().optional(),
  /** The paper table this sweep reproduces, e.g. table2-cifar10 (for the report). */
  paper: z
    .string()
    .regex(/^table[1-7]-[a-z0-9-]+$/, 'expected a paper table id like table2-cifar10')
    .optional(),
}).superRefine((config, ctx) => {
  // Streaming needs a cache-backed reader; say so at validation time rather than when each job starts.
  const streamable = streamableDatasetNames();
  for (const dataset of config.grid.dataset) {
    const fromOverride = config.overrides?.dataset?.[dataset]?.data?.stream;
    const stream = fromOverride ?? config.data.stream;
    if (!stream || streamable.includes(dataset)) continue;
    ctx.addIssue({
      code: 'custom',
      path: fromOverride !== undefined ? ['overrides', 'dataset', dataset, 'data', 'stream'] : ['data', 'stream'],
      message: `dataset '${dataset}' cannot be streamed (expected stream only with: ${streamable.join(', ')})`,
    });
  }
});

export type SweepConfig = z.output<typeof SweepConfigSchema>;
export type SweepConfigInput = z.input<typeof SweepConfigSchema>;
export type ActivationEntry = z.output<typeof ActivationEntrySchema>;
export type Override = z.output<typeof OverrideSchema>;
