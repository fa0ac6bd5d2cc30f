// The optimizers a recipe names (src/contract/optimizer.ts), built for the training loop. Update rules are
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
import { tf } from '../engine/tf.js';
import type { OptimizerConfig } from '../contract/optimizer.js';

/** One optimizer of a training run: the schedule sets its rate before each step. */
export interface RecipeOptimizer {
  readonly config: OptimizerConfig;
  setLearningRate(lr: number): void;
  /**
   * One update from the loss gradients (keyed by variable name, decay not included); `decayed` are the
   * variables that get weight decay. Takes ownership of nothing: the caller disposes `grads`.
   */
  applyGradients(grads: Record<string, tf.Tensor>, decayed: readonly tf.Variable[]): void;
  /** The step count and accumulators (tfjs's optimizer state), for checkpoints. */
  getWeights: tf.Optimizer['getWeights'];
  setWeights: tf.Optimizer['setWeights'];
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
        getWeights: () => sgd.getWeights(),
        setWeights: (weights) => sgd.setWeights(weights),
        dispose: () => sgd.dispose(),
      };
    }
    case 'adam': {
      const adam = new ScheduledAdam(config.lr, config.beta1, config.beta2, config.epsilon);
      return {
        config,
        setLearningRate: (lr) => adam.setLearningRate(lr),
        applyGradients: (grads, decayed) => tf.tidy(() => adam.applyGradients(withL2(grads, decayed, config.weightDecay) as never)),
        getWeights: () => adam.getWeights(),
        setWeights: (weights) => adam.setWeights(weights),
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
        getWeights: () => adam.getWeights(),
        setWeights: (weights) => adam.setWeights(weights),
        dispose: () => adam.dispose(),
      };
    }
  }
}
