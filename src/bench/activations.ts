// Forward + backward time of every registry activation (default options) against Swish, on one tensor:
// each layer's gradient w.r.t. its input with a fixed upstream gradient, medians over interleaved rounds.
import { tf } from '../engine/tf.js';
import { initEngine } from '../engine/backend.js';
import { activationNames, createActivation } from '../activations/registry.js';
import { interleavedMedians } from './stats.js';
import { benchEngineName } from './throughput.js';

export interface ActivationTiming {
  activation: string;
  ms: number;
  /** ms / Swish's ms (Swish = the registry's swish layer, x * sigmoid(x)). */
  ratioToSwish: number;
}

export interface ActivationBenchResult {
  backend: string;
  shape: number[];
  rounds: number;
  timings: ActivationTiming[];
}

export async function measureActivations(options: {
  backend: string;
  shape: number[];
  rounds: number;
  names?: string[];
  /** WASM: use the native kernels when built (default), or plain WASM kernels. */
  nativeKernels?: boolean;
}): Promise<ActivationBenchResult> {
  const engine = await initEngine({ backend: options.backend, nativeKernels: options.nativeKernels ?? true });
  const names = options.names ?? activationNames();
  if (!names.includes('swish')) names.unshift('swish');
  const x = tf.randomNormal(options.shape, 0, 1, 'float32', 1);
  const upstream = tf.randomNormal(options.shape, 0, 1, 'float32', 2);
  const layers = names.map((name) => {
    const layer = createActivation({ name });
    // Build the layer's weights (ASH's z and alpha, PReLU's slopes) outside the timed calls.
    tf.tidy(() => void layer.apply(tf.zeros([1, ...options.shape.slice(1)])));
    return layer;
  });
  try {
    const cases = layers.map((layer) => {
      const gradient = tf.grad((input: tf.Tensor) => layer.apply(input) as tf.Tensor);
      return () => {
        const started = performance.now();
        tf.tidy(() => void gradient(x, upstream));
        return performance.now() - started;
      };
    });
    const ms = interleavedMedians(cases, options.rounds);
    const swish = ms[names.indexOf('swish')]!;
    return {
      backend: benchEngineName(engine),
      shape: options.shape,
      rounds: options.rounds,
      timings: names.map((activation, i) => ({ activation, ms: ms[i]!, ratioToSwish: ms[i]! / swish })),
    };
  } finally {
    for (const layer of layers) layer.dispose();
    tf.dispose([x, upstream]);
  }
}
