// The tensor maths of the three ASH forms (paper Eqs. 2, 7, 10), apart from any layer.
//
// Smooth ASH (Eq. 10):  y = x * sigmoid(2a (x - m - z s)), with m, s the mean and population std
// (s = sqrt(var + eps)) of each sample, or of each sample's channel. The sign is +2a (NOTES.md: Eq. 11's
// minus sign would keep the lowest values).
//
// Two implementations compute the same function. `ashPlainOps` leaves the gradient to autodiff;
// `ashCustomGrad` writes the backward pass by hand, reusing the sigmoid and the centred input. On the
// WASM backend the custom form takes about half the time of the autodiff one (forward + backward about
// 2x Swish against 4.4x; bench/activations.ts), so the ASH layer uses it. Both are kept so that the tests
// can check one against the other and against finite differences.
import { tf } from '../engine/tf.js';
import { type StatsScope, statsView, stopGradient } from './tensor-utils.js';
import { fusedAsh } from './fused.js';
import { FUSED_ASH, fusedKernelAvailable } from '../engine/kernels/native_activations.js';

type Tensor = tf.Tensor;
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

export interface AshMathOptions {
  stats: StatsScope;
  /** Added to the variance inside the square root, so that a constant input has a finite gradient. */
  epsilon: number;
  /** Treat m and s as constants in the backward pass (the paper does not say; the authors' code lets gradients flow). */
  stopStatsGradient: boolean;
}

/**
 * Mean and population std (sqrt(var + eps)) over axis 1, kept as [B, 1] or [B, 1, C]. Two passes (mean, then
 * mean squared deviation) for float32 accuracy; written out rather than tf.moments, which adds a copy.
 * Only for forward passes inside customGrad: tfjs 4.22's SquaredDifference gradient does not reduce a
 * broadcast input back to its shape, so autodiff through it fails.
 */
export function groupMoments(xv: Tensor, epsilon: number): { mean: Tensor; std: Tensor } {
  const mean = tf.mean(xv, 1, true);
  const variance = tf.mean(tf.squaredDifference(xv, mean), 1, true);
  return { mean, std: tf.sqrt(tf.add(variance, epsilon)) };
}

/** Smooth ASH through plain tfjs ops (autodiff backward pass). z and alpha are scalar tensors. */
export function ashPlainOps(x: Tensor, z: Tensor, alpha: Tensor, options: AshMathOptions): Tensor {
  return tf.tidy(() => {
    const xv = statsView(x, options.stats);
    let mean = tf.mean(xv, 1, true);
    let std = tf.sqrt(tf.add(tf.mean(tf.square(tf.sub(xv, mean)), 1, true), options.epsilon));
    if (options.stopStatsGradient) {
      mean = stopGradient(mean);
      std = stopGradient(std);
    }
    const threshold = tf.add(mean, tf.mul(z, std));
    const gate = tf.sigmoid(tf.mul(tf.sub(xv, threshold), tf.mul(2, alpha)));
    return tf.reshape(tf.mul(xv, gate), x.shape);
  });
}

/*
 * Backward pass of smooth ASH, per statistics group of n elements. With G = dL/dy, g the gate,
 * c = x - m - z s (so t = 2a c), and dm/dx_i = 1/n, ds/dx_i = (x_i - m) / (n s):
 *   A      = G g,   h = G g (1 - g) = A - A g,   xh = x h        (dL/dt = xh)
 *   W      = sum(xh) over the group
 *   dL/dx  = A + 2a xh - 2a W / n - 2a z W (x - m) / (n s)
 *          = A + 2a xh - p c - q,   p = 2a z W / (n s),  q = 2a W / n + p z s     (using x - m = c + z s)
 *          = A + 2a xh                                   when the statistics are constants
 *   dL/dz  = -2a sum over groups of s W
 *   dL/da  = 2 sum(c xh)
 * Ten element-wise passes and two reductions, against about twenty for autodiff through the plain ops.
 */
function ashBackward(dy: Tensor, saved: Tensor[], options: AshMathOptions): Tensor[] {
  const [xv, z, alpha, std, centred, gate] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  const groupSize = xv.shape[1]!;
  const twoAlpha = tf.mul(2, alpha);
  const passThrough = tf.mul(dy, gate);
  const xh = tf.mul(xv, tf.sub(passThrough, tf.mul(passThrough, gate)));
  const groupSums = tf.sum(xh, 1, true);
  const dAlpha = tf.mul(2, tf.sum(tf.mul(centred, xh)));
  const dZ = tf.neg(tf.mul(twoAlpha, tf.sum(tf.mul(std, groupSums))));
  let dx = tf.add(passThrough, tf.mul(xh, twoAlpha));
  if (!options.stopStatsGradient) {
    const p = tf.div(tf.mul(tf.mul(twoAlpha, z), groupSums), tf.mul(std, groupSize));
    const q = tf.add(tf.div(tf.mul(twoAlpha, groupSums), groupSize), tf.mul(tf.mul(p, z), std));
    dx = tf.sub(dx, tf.add(tf.mul(centred, p), q));
  }
  return [dx, dZ, dAlpha];
}

function ashCustomGradKernel(options: AshMathOptions) {
  const f = (xv: Tensor, z: Tensor, alpha: Tensor, save: tf.GradSaveFunc) => {
    const { mean, std } = groupMoments(xv, options.epsilon);
    const centred = tf.sub(xv, tf.add(mean, tf.mul(z, std)));
    const gate = tf.sigmoid(tf.mul(centred, tf.mul(2, alpha)));
    save([xv, z, alpha, std, centred, gate]);
    return { value: tf.mul(xv, gate), gradFunc: (dy: Tensor, saved: Tensor[]) => ashBackward(dy, saved, options) };
  };
  return tf.customGrad(f as unknown as CustomGradientFunc);
}

// One customGrad wrapper per option combination, made once.
const customKernels = new Map<string, ReturnType<typeof ashCustomGradKernel>>();

/**
 * Smooth ASH with the hand-written backward pass above, or with the same maths fused into two kernels
 * when the backend has them (fused.ts; `allowFused` false forces the composed form). z and alpha are
 * scalar tensors.
 */
export function ashCustomGrad(x: Tensor, z: Tensor, alpha: Tensor, options: AshMathOptions, allowFused = true): Tensor {
  if (allowFused && fusedKernelAvailable(FUSED_ASH, x, z, alpha)) {
    const fused = tf.tidy(() => {
      const y = fusedAsh(statsView(x, options.stats), z, alpha, options);
      return y ? tf.reshape(y, x.shape) : undefined;
    });
    if (fused) return fused;
  }
  const key = `${options.stats}/${options.epsilon}/${options.stopStatsGradient}`;
  let kernel = customKernels.get(key);
  if (!kernel) {
    kernel = ashCustomGradKernel(options);
    customKernels.set(key, kernel);
  }
  const run = kernel;
  return tf.tidy(() => tf.reshape(run(statsView(x, options.stats), z, alpha), x.shape));
}

/**
 * Hard ASH (Eq. 7): x where x >= m + z s, else 0. Its gradient is the mask (the threshold's own derivative
 * is zero almost everywhere; Lemma 1: z is not trainable here).
 */
export function ashHard(x: Tensor, z: number, stats: StatsScope, epsilon: number): Tensor {
  const f = (xv: Tensor, save: tf.GradSaveFunc) => {
    const { mean, std } = groupMoments(xv, epsilon);
    const threshold = tf.add(mean, tf.mul(z, std));
    // [x >= t] as 1 - step(t - x): element-wise float ops, where the WASM backend's broadcasting
    // comparisons and casts are a hundred times slower.
    const mask = tf.sub(1, tf.step(tf.sub(threshold, xv)));
    save([mask]);
    return { value: tf.mul(xv, mask), gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(dy, saved[0]!) };
  };
  return tf.tidy(() => {
    const hard = tf.customGrad(f as unknown as CustomGradientFunc);
    return tf.reshape(hard(statsView(x, stats)), x.shape);
  });
}

/** How many elements of n exact top-k ASH keeps: ceil(k n), at least 1 (k n is rounded first so 0.1 * 200000 is 20000). */
export function topKCount(k: number, n: number): number {
  const exact = Number((k * n).toPrecision(12));
  return Math.min(n, Math.max(1, Math.ceil(exact)));
}

/** Indices into a [B, n] tensor, per row, turned into indices into its flat [B * n] form. */
function flatRowIndices(indices: Tensor, n: number): Tensor {
  const batch = indices.shape[0]!;
  // Float32 holds every integer below 2^24 exactly, and the WASM backend adds float32 with broadcasting
  // about forty times faster than int32; larger tensors take the int32 path.
  if (batch * n <= 2 ** 24) {
    const offsets = tf.reshape(tf.mul(tf.range(0, batch, 1, 'float32'), n), [batch, 1]);
    return tf.cast(tf.add(tf.cast(indices, 'float32'), offsets), 'int32');
  }
  return tf.add(indices, tf.reshape(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), [batch, 1]));
}

/**
 * Exact ASH (Eq. 2): keep exactly topKCount(k, N) elements of each sample, zero the rest. The mask is
 * built from tf.topk's indices, not from a threshold value, so ties at the threshold cannot keep more:
 * among equal values, the ones tf.topk lists first (lower index on the cpu and wasm backends) are kept.
 * The gradient is the mask.
 */
export function ashTopK(x: Tensor, k: number): Tensor {
  const f = (xv: Tensor, save: tf.GradSaveFunc) => {
    const [batch, n] = xv.shape as [number, number];
    const kept = topKCount(k, n);
    const { indices } = tf.topk(xv, kept, false);
    const flatIndices = tf.reshape(flatRowIndices(indices, n), [batch * kept, 1]);
    const mask = tf.reshape(tf.scatterND(flatIndices, tf.ones([batch * kept], 'float32'), [batch * n]), [batch, n]);
    save([mask]);
    return { value: tf.mul(xv, mask), gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(dy, saved[0]!) };
  };
  return tf.tidy(() => {
    const exact = tf.customGrad(f as unknown as CustomGradientFunc);
    return tf.reshape(exact(statsView(x, 'sample')), x.shape);
  });
}
