// Learning-rate schedules of the papers' original recipes: what a recipe's `schedule` may say (zod; the
// arithmetic is src/tasks/schedules.ts). A leaf module of the contract.
//
// Warm-up replaces the first W steps' learning rate and does not shift the main schedule: milestones and
// the cosine/poly clocks count from step 0, as in He et al. 2016 (0.01 for ~400 iterations, then 0.1,
// divided at 32k/48k iterations from the start) and mmcv's warm-up hooks (mmdet/mmseg).
import * as z from 'zod';

const positiveInt = z.int().min(1);

/** How long a warm-up lasts: whole iterations, or epochs (fractions allowed, rounded to whole steps). */
const warmupLength = {
  iterations: positiveInt.optional(),
  epochs: z.number().positive().optional(),
};

function exactlyOneLength(value: { iterations?: number; epochs?: number }, ctx: z.RefinementCtx) {
  if ((value.iterations === undefined) === (value.epochs === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'expected exactly one of iterations or epochs (how long the warm-up lasts)' });
  }
}

/**
 * Linear warm-up, mmcv's rule: lr = main(step) * (1 - (1 - step/W) * (1 - startFactor)), so the first step
 * runs at startFactor times the scheduled rate and step W at the full rate (Goyal et al. 2017 use this
 * from 0.1 of the rate; PyTorch's LinearLR chained with a main scheduler gives the same numbers).
 */
export const LinearWarmupSchema = z
  .strictObject({ kind: z.literal('linear'), startFactor: z.number().gt(0).max(1), ...warmupLength })
  .superRefine(exactlyOneLength);

/**
 * Constant warm-up: a fixed learning rate (`lr`, He et al. 2016's 0.01 for ResNet-164) or a fixed fraction
 * of the scheduled rate (`factor`, mmcv's 'constant' warm-up) for the first W steps, then the main schedule.
 */
export const ConstantWarmupSchema = z
  .strictObject({ kind: z.literal('constant'), lr: z.number().positive().optional(), factor: z.number().gt(0).max(1).optional(), ...warmupLength })
  .superRefine(exactlyOneLength)
  .superRefine((value, ctx) => {
    if ((value.lr === undefined) === (value.factor === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of lr (a fixed warm-up learning rate) or factor (a fraction of the scheduled one)' });
    }
  });

export const WarmupSchema = z.discriminatedUnion('kind', [LinearWarmupSchema, ConstantWarmupSchema]);

/** Cosine decay to 0 over the whole run, per step (SGDR without restarts, eta_min = 0). */
export const CosineScheduleSchema = z.strictObject({ name: z.literal('cosine'), warmup: WarmupSchema.optional() });

export const ConstantScheduleSchema = z.strictObject({ name: z.literal('constant'), warmup: WarmupSchema.optional() });

/** Multiply by `gamma` at each milestone (PyTorch's MultiStepLR), milestones in epochs or in iterations. */
export const MultiStepScheduleSchema = z
  .strictObject({
    name: z.literal('multistep'),
    milestones: z.array(positiveInt).min(1, 'expected at least one milestone'),
    unit: z.enum(['epoch', 'iteration']),
    gamma: z.number().gt(0).lt(1),
    warmup: WarmupSchema.optional(),
  })
  .superRefine((value, ctx) => {
    for (let i = 1; i < value.milestones.length; i++) {
      if (value.milestones[i]! <= value.milestones[i - 1]!) {
        ctx.addIssue({ code: 'custom', path: ['milestones', i], message: `milestone ${value.milestones[i]} is not after ${value.milestones[i - 1]} (expected strictly increasing milestones)` });
      }
    }
  });

/**
 * DeepLab's "poly" policy: lr = (base - minLr) * (1 - step/total)^power + minLr (Chen et al. 2018 use
 * power 0.9, minLr 0; mmseg's PolyLR is this formula with eta_min = minLr).
 */
export const PolyScheduleSchema = z.strictObject({
  name: z.literal('poly'),
  power: z.number().positive().default(0.9),
  minLr: z.number().min(0).default(0),
  warmup: WarmupSchema.optional(),
});

export const ScheduleObjectSchema = z.discriminatedUnion('name', [CosineScheduleSchema, ConstantScheduleSchema, MultiStepScheduleSchema, PolyScheduleSchema]);

export const SCHEDULE_NAMES = ['cosine', 'constant', 'multistep', 'poly'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/**
 * The recipe's `schedule` field: the bare names of the old schema (`cosine`, `constant`) or an object.
 * Its output is canonical: a cosine or constant schedule without warm-up comes out as the bare name, so
 * specs written before schedules had options keep their content-hashed job ids (and finished results).
 */
export const ScheduleSchema = z
  .union([z.enum(['cosine', 'constant']), ScheduleObjectSchema], {
    error: `expected a schedule name (cosine | constant) or an object { name: ${SCHEDULE_NAMES.join(' | ')}, ... }`,
  })
  .transform((value): Schedule => {
    if (typeof value === 'string') return value;
    if ((value.name === 'cosine' || value.name === 'constant') && value.warmup === undefined) return value.name;
    return value;
  });

export type Warmup = z.infer<typeof WarmupSchema>;
export type ScheduleObject = z.infer<typeof ScheduleObjectSchema>;
export type Schedule = 'cosine' | 'constant' | ScheduleObject;
export type ScheduleInput = z.input<typeof ScheduleSchema>;

/**
 * A per-model or per-dataset override of the schedule on top of the sweep's (both as written). A bare name
 * or an object naming another schedule replaces it (a cosine override does not inherit multistep's
 * milestones); an object with the same name, or none, merges field by field, `warmup` as a whole. A null
 * removes a field (`warmup: null`: no warm-up).
 */
export function overrideSchedule(base: unknown, over: unknown): unknown {
  if (typeof over === 'string' || over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  const baseObject = typeof base === 'string' ? { name: base } : base !== null && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
  const o = over as Record<string, unknown>;
  const switched = o.name !== undefined && o.name !== null && o.name !== baseObject.name;
  const out: Record<string, unknown> = switched ? {} : { ...baseObject };
  for (const [key, value] of Object.entries(o)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}
