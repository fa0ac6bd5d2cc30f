// The optimizers a recipe may name and their fields (zod; the update rules and the factory are
// src/tasks/optimizers.ts). A leaf module of the contract.
import * as z from 'zod';

const fraction = z.number().min(0).lt(1);

export const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Defaults when a field is left out: SGD's are the CIFAR recipe's, Adam's and AdamW's are PyTorch's. */
export const OPTIMIZER_DEFAULTS = {
  sgd: { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
  adamw: { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-2 },
} as const;

export const SgdSchema = z.strictObject({
  name: z.literal('sgd'),
  lr: z.number().positive().default(OPTIMIZER_DEFAULTS.sgd.lr),
  momentum: fraction.default(OPTIMIZER_DEFAULTS.sgd.momentum),
  nesterov: z.boolean().default(OPTIMIZER_DEFAULTS.sgd.nesterov),
  /** L2: added to the gradient of the decayed weights (PyTorch's weight_decay). */
  weightDecay: z.number().min(0).default(OPTIMIZER_DEFAULTS.sgd.weightDecay),
});

function adamShape<N extends 'adam' | 'adamw'>(name: N) {
  const d = OPTIMIZER_DEFAULTS[name];
  return {
    name: z.literal(name),
    lr: z.number().positive().default(d.lr),
    beta1: fraction.default(d.beta1),
    beta2: fraction.default(d.beta2),
    epsilon: z.number().positive().default(d.epsilon),
    weightDecay: z.number().min(0).default(d.weightDecay),
  };
}

/** torch.optim.Adam: weightDecay is L2 added to the gradient. */
export const AdamSchema = z.strictObject(adamShape('adam'));
/** torch.optim.AdamW: weightDecay is decoupled (p *= 1 - lr * wd each step). */
export const AdamWSchema = z.strictObject(adamShape('adamw'));

/**
 * The recipe's `optimizer` group, filled with the chosen optimizer's defaults; `name` defaults to sgd, so
 * `optimizer: {}` and every config written for the SGD-only schema parse to the same object as before.
 */
export const OptimizerSchema = z.preprocess(
  (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) && !('name' in value) ? { ...value, name: 'sgd' } : value),
  z.discriminatedUnion('name', [SgdSchema, AdamSchema, AdamWSchema], { error: `expected one of: ${OPTIMIZER_NAMES.join(', ')}` }),
);

/**
 * The same group inside `overrides`, where a missing field keeps the sweep's value: every field of every
 * optimizer, all optional. The merged result is checked against OptimizerSchema.
 */
export const PartialOptimizerSchema = z.strictObject({
  name: z.enum(OPTIMIZER_NAMES).optional(),
  lr: z.number().positive().optional(),
  momentum: fraction.optional(),
  nesterov: z.boolean().optional(),
  beta1: fraction.optional(),
  beta2: fraction.optional(),
  epsilon: z.number().positive().optional(),
  weightDecay: z.number().min(0).optional(),
});

export type OptimizerConfig = z.infer<typeof OptimizerSchema>;
export type SgdConfig = z.infer<typeof SgdSchema>;
export type AdamConfig = z.infer<typeof AdamSchema>;
export type AdamWConfig = z.infer<typeof AdamWSchema>;

/**
 * A per-model or per-dataset override of the optimizer group on top of the sweep's (both plain, as
 * written). Naming another optimizer starts from that optimizer's own fields (SGD's momentum does not leak
 * into an AdamW override, where the strict schema would reject it); the same optimizer merges field by
 * field. A null removes a field (its default applies), as everywhere in configs.
 */
export function overrideOptimizer(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const baseName = base.name ?? 'sgd';
  const switched = over.name !== undefined && over.name !== null && over.name !== baseName;
  const out: Record<string, unknown> = switched ? {} : { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}
