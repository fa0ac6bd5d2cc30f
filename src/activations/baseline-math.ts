// Baseline activations written with the element-wise kernels that are fast on the WASM backend.
//
// tfjs 4.22's WASM backend runs sigmoid, elu, relu, step and arithmetic through XNNPACK, but tanh, erf,
// selu, softplus, prelu, leakyRelu and broadcasting comparisons are plain loops 20-150x slower, and the
// autodiff of leakyRelu/prelu/selu goes through `greater` + `where`, the slowest of all. These forms
// compute the same functions (to float32 rounding) from the fast kernels, with hand-written gradients.
import { tf } from '../engine/tf.js';

type Tensor = tf.Tensor;
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

function customGrad(f: (...args: never[]) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] }) {
  return tf.customGrad(f as unknown as CustomGradientFunc);
}

/** [x > 0] as 0/1 floats (tf.step: 1 for x > 0, else 0). */
const positive = (x: Tensor): Tensor => tf.step(x);

/** Leaky ReLU: x * (slope + (1 - slope) [x > 0]); gradient slope for x <= 0, as tf.leakyRelu. */
export function leakyRelu(x: Tensor, slope: number): Tensor {
  const f = (input: Tensor, save: tf.GradSaveFunc) => {
    const factor = tf.add(slope, tf.mul(1 - slope, positive(input)));
    save([factor]);
    return { value: tf.mul(input, factor), gradFunc: (dy: Tensor, [saved]: Tensor[]) => tf.mul(dy, saved!) };
  };
  return customGrad(f)(x);
}

/**
 * PReLU with a learned slope broadcast against the last axis ([C]) or over everything ([1]).
 * dL/dslope sums dy * x over the negative inputs, over every axis the slope is shared along.
 */
export function prelu(x: Tensor, slope: Tensor): Tensor {
  const f = (input: Tensor, a: Tensor, save: tf.GradSaveFunc) => {
    const pos = positive(input);
    const factor = tf.add(a, tf.mul(tf.sub(1, a), pos));
    save([input, pos, factor]);
    return {
      value: tf.mul(input, factor),
      gradFunc: (dy: Tensor, [xs, p, fac]: Tensor[]) => {
        const dyx = tf.mul(dy, xs!);
        const negativePart = tf.sub(dyx, tf.mul(dyx, p!));
        const size = a.size;
        // Sum over all axes but the slope's: a [M, C] x [C] reduction as a matrix product, which the WASM
        // backend does without the transpose that a reduction over a non-last axis costs.
        const rows = tf.reshape(negativePart, [-1, size]);
        const dSlope = tf.reshape(tf.matMul(tf.ones([1, rows.shape[0]!]), rows), a.shape);
        return [tf.mul(dy, fac!), dSlope];
      },
    };
  };
  return customGrad(f)(x, slope);
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * SELU: scale * (x if x > 0 else alpha (e^x - 1)) = scale * (relu(x) + alpha * elu(min(x, 0))).
 * Gradient: scale * ((1 - alpha) [x > 0] + alpha (e + 1)) with e = elu(min(x, 0)) (0 for x > 0).
 */
export function selu(x: Tensor): Tensor {
  const f = (input: Tensor, save: tf.GradSaveFunc) => {
    const negativeElu = tf.elu(tf.neg(tf.relu(tf.neg(input))));
    save([positive(input), negativeElu]);
    return {
      value: tf.mul(SELU_SCALE, tf.add(tf.relu(input), tf.mul(SELU_ALPHA, negativeElu))),
      gradFunc: (dy: Tensor, [pos, e]: Tensor[]) => {
        const slope = tf.add(tf.mul(SELU_SCALE * (1 - SELU_ALPHA), pos!), tf.mul(SELU_SCALE * SELU_ALPHA, tf.add(e!, 1)));
        return tf.mul(dy, slope);
      },
    };
  };
  return customGrad(f)(x);
}

const SQRT_TWO_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3). Since
 * 0.5 (1 + tanh(u)) = sigmoid(2u) exactly, this is x * sigmoid(2u), which avoids the slow tanh kernel
 * (autodiff through it is all fast kernels).
 */
export function geluTanh(x: Tensor): Tensor {
  const u = tf.mul(SQRT_TWO_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
  return tf.mul(x, tf.sigmoid(tf.mul(2, u)));
}

/** GELU, exact: 0.5 x (1 + erf(x / sqrt 2)). */
export function geluExact(x: Tensor): Tensor {
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/**
 * Mish: x tanh(softplus(x)). With s = sigmoid(x) and r = sigmoid(-x) (both computed, so neither tail
 * loses precision to 1 - s): e^sp = 1 + e^x = 1 / r, so tanh(sp) = (1 - r^2) / (1 + r^2) = s (1 + r) / (1 + r^2).
 * Gradient: t + x (1 - t^2) s, with t = tanh(softplus(x)) and d softplus / dx = s.
 */
export function mish(x: Tensor): Tensor {
  const f = (input: Tensor, save: tf.GradSaveFunc) => {
    const s = tf.sigmoid(input);
    const r = tf.sigmoid(tf.neg(input));
    const t = tf.div(tf.mul(s, tf.add(1, r)), tf.add(1, tf.square(r)));
    save([input, s, t]);
    return {
      value: tf.mul(input, t),
      gradFunc: (dy: Tensor, [xs, sig, th]: Tensor[]) =>
        tf.mul(dy, tf.add(th!, tf.mul(tf.mul(xs!, sig!), tf.sub(1, tf.square(th!))))),
    };
  };
  return customGrad(f)(x);
}
