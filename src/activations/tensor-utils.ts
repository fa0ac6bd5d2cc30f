// Small tensor helpers shared by the activation layers.
import { tf, tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';

type Tensor = tf.Tensor;
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Which elements one set of ASH statistics (mean, std) is taken over. */
export type StatsScope = 'sample' | 'channel';

/** Layers get `Tensor | Tensor[]`; every activation here takes exactly one input. */
export function singleInput(inputs: Tensor | Tensor[], layerName: string): Tensor {
  if (!Array.isArray(inputs)) return inputs;
  if (inputs.length !== 1) throw new Error(`layer ${layerName} expects one input tensor, got ${inputs.length}`);
  return inputs[0]!;
}

/** The shape of a layer's (single) input, as tfjs-layers passes it to build(). */
export function singleShape(inputShape: tfl.Shape | tfl.Shape[], layerName: string): tfl.Shape {
  if (inputShape.length > 0 && Array.isArray(inputShape[0])) {
    const shapes = inputShape as tfl.Shape[];
    if (shapes.length !== 1) throw new Error(`layer ${layerName} expects one input, got ${shapes.length}`);
    return shapes[0]!;
  }
  return inputShape as tfl.Shape;
}

/** Channel statistics need spatial axes between the batch and the (last) channel axis. */
export function checkStatsRank(rank: number, stats: StatsScope, layerName: string): void {
  if (stats === 'channel' && rank < 3) {
    throw new UserError(
      `layer ${layerName}: stats 'channel' needs inputs with spatial axes (rank >= 3, channels last), ` +
        `got rank ${rank}; use stats 'sample' after dense layers`,
    );
  }
}

/**
 * Reshape x (free in tfjs: no copy) so that the statistics are a reduction over axis 1:
 * [B, N] for per-sample statistics, [B, S, C] for per-sample per-channel statistics.
 * Innermost reductions avoid a transpose on the WASM backend.
 */
export function statsView(x: Tensor, stats: StatsScope): Tensor {
  const batch = x.shape[0]!;
  if (stats === 'sample') return tf.reshape(x, [batch, x.size / batch]);
  const channels = x.shape[x.rank - 1]!;
  return tf.reshape(x, [batch, x.size / (batch * channels), channels]);
}

/** The identity whose gradient is zero (tfjs has no stop_gradient op; customGrad is its way to cut the tape). */
export const stopGradient = tf.customGrad(((x: Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: Tensor) => tf.zerosLike(dy),
})) as unknown as CustomGradientFunc);
