// The optimizers of the papers' recipes, as a zod schema (for the recipe) and a factory. Update rules are
// PyTorch's, since the original recipes were run there:
//
//  - sgd:   g += wd * p (decayed weights only); buf = momentum * buf + g (buf = g at the first step);
//           Nesterov: p -= lr * (g + momentum * buf), else p -= lr * buf.
//           tf.train.momentum is exactly this (its accumulator starts at zero, so its first buf is g).
//  - adam:  g += wd * p (L2, as torch.optim.Adam's weight_decay); m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
//           p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
//           tf.train.adam computes the same expression (eps added to sqrt of the bias-corrected v, as
//           PyTorch does; Keras-Python's Adam instead adds an "epsilon hat" to the uncorrected sqrt(v)).
//           Its default eps differs (tfjs: backend epsilon, 1e-7 on float32 backends; PyTorch: 1e-8), so the
//           factory always passes it.
//  - adamw: p *= 1 - lr * wd (decoupled, Loshchilov & Hutter 2019 as torch.optim.AdamW applies it, before
//           the Adam step and scaled by the scheduled lr), then the Adam step on the plain gradient.
//
// Weight decay, L2 or decoupled, applies only to the weights the caller names (conv and dense kernels in
// the training loop, never batch-norm, biases or activation parameters).
import * as z from 'zod';
import { tf } from '../engine/tf.js';

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

/** One optimizer of a training run: the schedule sets its rate before each step. */
export interface RecipeOptimizer {
  readonly config: OptimizerConfig;
  setLearningRate(lr: number): void;
  /**
   * One update from the loss gradients (keyed by variable name, decay not included); `decayed` are the
   * variables that get weight decay. Takes ownership of nothing: the caller disposes `grads`.
   */
  applyGradients(grads: Record<string, tf.Tensor>, decayed: readonly tf.Variable[]): void;
  dispose(): void;
}

/** tfjs's Adam keeps its rate in a protected field and has no setter; schedules need one. */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** grads with wd * v added for each decayed v: the same ops, in the same order, as the SGD-only loop had. */
function withL2(grads: Record<string, tf.Tensor>, decayed: readonly tf.Variable[], weightDecay: number): Record<string, tf.Tensor> {
  if (weightDecay <= 0) return grads;
  const out = { ...grads };
  for (const v of decayed) out[v.name] = tf.add(grads[v.name]!, tf.mul(v, weightDecay));
  return out;
}

export function createOptimizer(config: OptimizerConfig): RecipeOptimizer {
  switch (config.name) {
    case 'sgd': {
      const sgd = tf.train.momentum(config.lr, config.momentum, config.nesterov);
      return {
        config,
        setLearningRate: (lr) => sgd.setLearningRate(lr),
        applyGradients: (grads, decayed) => tf.tidy(() => sgd.applyGradients(withL2(grads, decayed, config.weightDecay) as never)),
        dispose: () => sgd.dispose(),
      };
    }
    case 'adam': {
      const adam = new ScheduledAdam(config.lr, config.beta1, config.beta2, config.epsilon);
      return {
        config,
        setLearningRate: (lr) => adam.setLearningRate(lr),
        applyGradients: (grads, decayed) => tf.tidy(() => adam.applyGradients(withL2(grads, decayed, config.weightDecay) as never)),
        dispose: () => adam.dispose(),
      };
    }
    case 'adamw': {
      const adam = new ScheduledAdam(config.lr, config.beta1, config.beta2, config.epsilon);
      let lr = config.lr;
      return {
        config,
        setLearningRate: (rate) => {
          lr = rate;
          adam.setLearningRate(rate);
        },
        applyGradients: (grads, decayed) => {
          // Decay first, as torch.optim.AdamW does: the Adam step below reads only the gradients, so the
          // new weights are p * (1 - lr * wd) - lr * mhat / (sqrt(vhat) + eps).
          if (config.weightDecay > 0) {
            const keep = 1 - lr * config.weightDecay;
            tf.tidy(() => {
              for (const v of decayed) v.assign(tf.mul(v, keep));
            });
          }
          adam.applyGradients(grads as never);
        },
        dispose: () => adam.dispose(),
      };
    }
  }
}

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
