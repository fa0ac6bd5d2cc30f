// Batch normalisation for NHWC feature maps with a hand-written backward pass.
//
// Why not tfl.layers.batchNormalization: its training-mode gradient (tfjs-core's FusedBatchNorm grad)
// tiles per-channel vectors up to the full activation shape, and reductions over the leading axes make
// the WASM backend transpose the whole tensor first; together that was ~35% of a ResNet-20 step on WASM.
// Here every per-channel reduction over the M = N*H*W rows is one matrix product ones[1,M] x X[M,C]
// (XNNPACK GEMM, no transpose), and the backward pass is the closed form
//   dx = gamma * invStd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)).
// Running statistics follow PyTorch: unbiased variance, and the momentum is given in Keras terms
// (running = momentum * running + (1 - momentum) * batch; 0.9 here = PyTorch's 0.1).
import { tf, tfl } from '../engine/tf.js';
import { FUSED_BATCH_NORM, FUSED_BATCH_NORM_GRAD, fusedKernelAvailable } from '../engine/kernels/native_activations.js';

type Tensor = tf.Tensor;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type LayerVariable = ReturnType<tfl.layers.Layer['addWeight']>;

export interface BatchNormArgs extends LayerArgs {
  momentum?: number;
  epsilon?: number;
}

/** Per-channel sums of a [M, C] matrix as a [1, C] tensor. */
function columnSums(ones: Tensor, x2: Tensor): Tensor {
  return tf.matMul(ones as tf.Tensor2D, x2 as tf.Tensor2D);
}

/**
 * Training-mode batch norm of x ([..., C]) with its gradient w.r.t. x, gamma and beta.
 * Returns the output and the batch mean and (biased) variance, the latter two kept outside any tidy.
 */
export function batchNormTraining(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  if (fusedKernelAvailable(FUSED_BATCH_NORM, x)) return batchNormTrainingFused(x, gamma, beta, epsilon);
  return batchNormTrainingComposed(x, gamma, beta, epsilon);
}

/** batchNormTraining from tfjs ops, on any backend (exported for the tests that compare both forms). */
export function batchNormTrainingComposed(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const channels = x.shape[x.shape.length - 1]!;
  const rows = x.size / channels;
  let mean: Tensor | undefined;
  let variance: Tensor | undefined;
  const forward = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b, save] = args as [Tensor, Tensor, Tensor, tf.GradSaveFunc];
    const ones = tf.ones([1, rows]);
    const x2 = tf.reshape(xIn, [rows, channels]);
    const m = tf.div(columnSums(ones, x2), rows);
    const centred = tf.sub(x2, m);
    const v = tf.div(columnSums(ones, tf.square(centred)), rows);
    const invStd = tf.rsqrt(tf.add(v, epsilon));
    const xhat = tf.mul(centred, invStd);
    const y = tf.add(tf.mul(xhat, g), b);
    mean = tf.keep(tf.reshape(m, [channels]));
    variance = tf.keep(tf.reshape(v, [channels]));
    save([xhat, invStd, g, ones]);
    return {
      value: tf.reshape(y, xIn.shape),
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [savedXhat, savedInvStd, savedGamma, onesB] = saved as [Tensor, Tensor, Tensor, Tensor];
        const dyT = dy as Tensor;
        const dy2 = tf.reshape(dyT, [rows, channels]);
        const dBeta = columnSums(onesB, dy2);
        const dGamma = columnSums(onesB, tf.mul(dy2, savedXhat));
        const scale = tf.div(tf.mul(savedGamma, savedInvStd), rows);
        const inner = tf.sub(tf.sub(tf.mul(dy2, rows), dBeta), tf.mul(savedXhat, dGamma));
        const dx = tf.reshape(tf.mul(inner, scale), dyT.shape);
        return [dx, tf.reshape(dGamma, [channels]), tf.reshape(dBeta, [channels])];
      },
    };
  });
  const y = forward(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

/**
 * The same batch norm as two fused kernels (WASM backend, native addon or WebAssembly module): two passes
 * for the statistics and one for y forward, two passes backward with xhat recomputed from x and the
 * statistics.
 */
export function batchNormTrainingFused(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const channels = x.shape[x.shape.length - 1]!;
  let mean: Tensor | undefined;
  let variance: Tensor | undefined;
  const forward = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b, save] = args as [Tensor, Tensor, Tensor, tf.GradSaveFunc];
    const [y, stats] = tf.engine().runKernel(FUSED_BATCH_NORM, { x: xIn, gamma: g, beta: b }, { epsilon }) as Tensor[];
    mean = tf.keep(tf.reshape(tf.slice(stats!, [0, 0], [1, channels]), [channels]));
    variance = tf.keep(tf.reshape(tf.slice(stats!, [1, 0], [1, channels]), [channels]));
    save([xIn, stats!, g]);
    return {
      value: y!,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [xs, st, gs] = saved as [Tensor, Tensor, Tensor];
        return tf.engine().runKernel(FUSED_BATCH_NORM_GRAD, { dy: dy as Tensor, x: xs, stats: st, gamma: gs }) as Tensor[];
      },
    };
  });
  const y = forward(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

export class BatchNorm extends tfl.layers.Layer {
  static className = 'AshBenchBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma?: LayerVariable;
  private beta?: LayerVariable;
  private movingMean?: LayerVariable;
  private movingVariance?: LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`layer ${this.name}: batch norm needs a known channel (last) axis`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tfl.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tfl.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', tfl.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs?.training) {
      return tf.batchNorm(x, this.movingMean!.read(), this.movingVariance!.read(), this.beta!.read(), this.gamma!.read(), this.epsilon);
    }
    const { y, mean, variance } = batchNormTraining(x, this.gamma!.read(), this.beta!.read(), this.epsilon);
    const rows = x.size / x.shape[x.shape.length - 1]!;
    tf.tidy(() => {
      const unbiased = tf.mul(variance, rows / Math.max(1, rows - 1));
      const keep = this.momentum;
      this.movingMean!.write(tf.add(tf.mul(this.movingMean!.read(), keep), tf.mul(mean, 1 - keep)));
      this.movingVariance!.write(tf.add(tf.mul(this.movingVariance!.read(), keep), tf.mul(unbiased, 1 - keep)));
    });
    tf.dispose([mean, variance]);
    return y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { momentum: this.momentum, epsilon: this.epsilon, ...super.getConfig() };
  }
}
tf.serialization.registerClass(BatchNorm);
