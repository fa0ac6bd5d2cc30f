// The training recipe and data limits of a run: the one definition (zod) of what configs, `ash train`,
// spec.json and result.json say about how a model is trained. The schema owns the defaults; the types are
// inferred. A leaf module: it imports nothing of the project's, so every layer can use it.
import * as z from 'zod';
import { MAX_BATCH_SIZE, MAX_EPOCHS } from './limits.js';
import { OptimizerSchema, PartialOptimizerSchema } from './optimizer.js';
import { ScheduleSchema } from './schedule.js';

/** Training augmentations (see src/data/augment.ts for what each does). */
export const AUGMENT_KINDS = ['pad-crop', 'random-resized-crop'] as const;
export type AugmentKind = (typeof AUGMENT_KINDS)[number];

const positiveInt = z.int().min(1);
const fraction = z.number().min(0).lt(1);

/** `[min, max]` of numbers each passing `bound`, with min <= max. */
function range(bound: z.ZodNumber, what: string) {
  return z.tuple([bound, bound], { error: `expected [min, max] ${what}` }).superRefine(([lo, hi], ctx) => {
    if (lo > hi) ctx.addIssue({ code: 'custom', message: `[${lo}, ${hi}] has min above max (expected [min, max] ${what})` });
  });
}

type Mode = 'full' | 'partial';
type Field<M extends Mode, T extends z.ZodType> = M extends 'full' ? z.ZodDefault<T> : z.ZodOptional<T>;
type Group<M extends Mode, T extends z.ZodType> = M extends 'full' ? z.ZodPrefault<T> : z.ZodOptional<T>;

/**
 * The recipe's fields exist twice: filled with defaults (a sweep's `train`, a job's spec) and all-optional
 * (a config's `overrides`, where a missing field means "keep the sweep's value"). One builder keeps them in step,
 * and the defaults written here are the only ones.
 */
function recipeShape<M extends Mode>(mode: M) {
  const field = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
    (mode === 'full' ? schema.default(fallback as never) : schema.optional()) as Field<M, T>;
  const group = <T extends z.ZodType>(schema: T) => (mode === 'full' ? schema.prefault({} as never) : schema.optional()) as Group<M, T>;
  return {
    epochs: field(positiveInt.max(MAX_EPOCHS), 2),
    batchSize: field(positiveInt.max(MAX_BATCH_SIZE), 128),
    /**
     * sgd (default: lr 0.1, momentum 0.9, Nesterov, L2 5e-4 on conv/dense kernels), adam or adamw, each with its
     * own fields and defaults (optimizer.ts). In overrides any optimizer's fields, all optional: config/expand.ts
     * merges them over the sweep's (overrideOptimizer) and the result is checked whole.
     */
    optimizer: (mode === 'full' ? OptimizerSchema.prefault({}) : PartialOptimizerSchema.optional()) as M extends 'full'
      ? z.ZodPrefault<typeof OptimizerSchema>
      : z.ZodOptional<typeof PartialOptimizerSchema>,
    /**
     * Per-step learning-rate schedule (schedule.ts): cosine (decays to 0 over the whole run), constant, multistep
     * or poly, optionally with warm-up. A bare cosine/constant stays a bare name, so older job ids hold.
     */
    schedule: field(ScheduleSchema, 'cosine'),
    /** Batch-norm running-average momentum in Keras terms (PyTorch's 0.1 is 0.9 here). */
    bnMomentum: field(fraction, 0.9),
    /**
     * Training augmentation. `kind` has no default: left out, each dataset's own default applies when a sweep
     * is expanded (random-resized-crop for imagefolder and tiny-imagenet, pad-crop for the rest). `crop` is
     * pad-crop's, `scale` and `ratio` random-resized-crop's (torchvision's defaults when absent); each kind
     * ignores the other's fields, so a base config can set both and a per-dataset override pick the kind.
     */
    augment: group(
      z.strictObject({
        kind: z.enum(AUGMENT_KINDS).optional(),
        crop: field(z.int().min(0), 4),
        flip: field(z.boolean(), true),
        scale: range(z.number().gt(0).max(1), 'fractions of the image area, 0 < min <= max <= 1').optional(),
        ratio: range(z.number().positive(), 'aspect ratios width/height, 0 < min <= max').optional(),
      }),
    ),
  };
}

export const TrainRecipeSchema = z.strictObject(recipeShape('full'));
export const PartialTrainRecipeSchema = z.strictObject(recipeShape('partial'));
export type TrainRecipe = z.output<typeof TrainRecipeSchema>;
export type TrainRecipeInput = z.input<typeof TrainRecipeSchema>;

/** The recipe with every default: the CIFAR recipe (SGD + Nesterov 0.9, lr 0.1 cosine, wd 5e-4, batch 128, pad-crop 4 + flip). */
export const DEFAULT_RECIPE: TrainRecipe = TrainRecipeSchema.parse({});

export const DataLimitsSchema = z.strictObject({
  trainLimit: positiveInt.optional(),
  testLimit: positiveInt.optional(),
  /** Relative paths are relative to the directory the sweep is started from. */
  dataDir: z.string().min(1).optional(),
  /** Stream imagefolder / tiny-imagenet from the on-disk cache batch by batch (bounded memory). */
  stream: z.boolean().optional(),
});
export type DataLimits = z.output<typeof DataLimitsSchema>;

/**
 * The augmentation as a job runs it: the kind resolved and only its fields kept (src/data/augment.ts
 * resolveAugment). Pad-crop is written without `kind`, as before the field existed, so older job ids hold.
 */
export const ResolvedAugmentSchema = z.union([
  z.strictObject({ kind: z.literal('pad-crop').optional(), crop: z.int().min(0), flip: z.boolean() }),
  z.strictObject({
    kind: z.literal('random-resized-crop'),
    scale: range(z.number().gt(0).max(1), 'fractions of the image area, 0 < min <= max <= 1'),
    ratio: range(z.number().positive(), 'aspect ratios width/height, 0 < min <= max'),
    flip: z.boolean(),
  }),
]);

/** The recipe of one job (spec.json): every field spelled out, the augmentation resolved for its dataset. */
export const JobRecipeSchema = TrainRecipeSchema.extend({ augment: ResolvedAugmentSchema.default({ crop: 4, flip: true }) });
export type JobRecipe = z.output<typeof JobRecipeSchema>;
