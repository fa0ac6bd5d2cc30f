// The sweep config schema: the single source of truth for what a config file may say, and (through
// z.infer) of the TypeScript types the rest of the code sees. Every object is strict, so a typo is an
// error rather than a silently ignored key. Names of activations, models and datasets are checked
// against their registries at parse time, so a registry that grows needs no change here.
import * as z from 'zod';
import { BACKEND_CHOICES, canonicalJson } from '../contract/spec.js';
import { DataLimitsSchema, PartialTrainRecipeSchema, TrainRecipeSchema } from '../contract/recipe.js';
import { TaskNameSchema, type TaskName } from '../contract/task-name.js';
import { didYouMean } from '../engine/errors.js';
import { activationNames, activationOptionsSchema } from '../activations/registry.js';
import { getModel, isModelName, modelNames } from '../models/registry.js';
import { datasetSupportsTask, getAnyDataset, listDatasets, streamableDatasetNames } from '../data/registry.js';

export { TrainRecipeSchema, PartialTrainRecipeSchema, DataLimitsSchema };
import { MAX_JOBS, MAX_RETRIES, MAX_SEED, MAX_SEEDS } from '../contract/limits.js';

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
const datasetName = registeredName('dataset', () => listDatasets().map((d) => d.name));

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
  /** What the sweep trains: its datasets must be of this task, its models must carry this task's head. */
  task: TaskNameSchema.default('classification'),
  grid: GridSchema,
  seeds: uniqueList(z.int().min(0).max(MAX_SEED, `expected a seed in 0..${MAX_SEED} (seeds are 32-bit)`), 'seed', 'seeds').max(MAX_SEEDS, `expected at most ${MAX_SEEDS} seeds`),
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
  retries: z.int().min(0).max(MAX_RETRIES).default(1),
  /** Per-job wall-clock limit; absent means none. */
  timeoutMinutes: z.number().positive().optional(),
  /** The paper table this sweep reproduces, e.g. table2-cifar10 (for the report). */
  paper: z
    .string()
    .regex(/^table[1-7]-[a-z0-9-]+$/, 'expected a paper table id like table2-cifar10')
    .optional(),
}).superRefine((config, ctx) => {
  checkTaskFits(config.task, config.grid, ctx);
  // A label only names a row: two entries that differ in nothing else would be one job.
  const seen = new Map<string, number>();
  config.grid.activation.forEach((entry, index) => {
    const key = canonicalJson({ ...entry.options, name: entry.name });
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: ['grid', 'activation', index],
        message: `the same activation and options as grid.activation.${first} (expected each activation once: a label only names a row, so both would be one job)`,
      });
    }
  });
  const { activation, model, dataset } = config.grid;
  const jobs = activation.length * model.length * dataset.length * config.seeds.length;
  if (jobs > MAX_JOBS) {
    const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
    ctx.addIssue({
      code: 'custom',
      path: ['grid'],
      message: `${n(activation.length, 'activation')} x ${n(model.length, 'model')} x ${n(dataset.length, 'dataset')} x ${n(config.seeds.length, 'seed')} = ${jobs} jobs; at most ${MAX_JOBS} per sweep (split it into several sweeps)`,
    });
  }
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

/** Every dataset and model of the grid must belong to the sweep's task (a classifier cannot be scored by mIoU). */
function checkTaskFits(task: TaskName, grid: { model: string[]; dataset: string[] }, ctx: z.RefinementCtx): void {
  const datasets = new Set(listDatasets().map((d) => d.name));
  grid.dataset.forEach((name, index) => {
    if (!datasets.has(name) || datasetSupportsTask(name, task)) return; // unknown names are reported by the name check
    const datasetTask = getAnyDataset(name).task;
    const valid = listDatasets().filter((d) => datasetSupportsTask(d.name, task)).map((d) => d.name);
    ctx.addIssue({
      code: 'custom',
      path: ['grid', 'dataset', index],
      message: `dataset '${name}' is a ${datasetTask} dataset, and this sweep's task is ${task} (${valid.length > 0 ? oneOf(valid) : 'no dataset has that task yet'}; or set task: ${datasetTask})`,
    });
  });
  grid.model.forEach((name, index) => {
    if (!isModelName(name)) return; // reported by the name check
    const modelTask = getModel(name).task ?? 'classification';
    if (modelTask === task) return;
    ctx.addIssue({
      code: 'custom',
      path: ['grid', 'model', index],
      message: `model '${name}' is a ${modelTask} model, and this sweep's task is ${task} (see \`ash models list\`; or set task: ${modelTask})`,
    });
  });
}

export type SweepConfig = z.output<typeof SweepConfigSchema>;
export type SweepConfigInput = z.input<typeof SweepConfigSchema>;
export type ActivationEntry = z.output<typeof ActivationEntrySchema>;
export type Override = z.output<typeof OverrideSchema>;
