// Dropout with a reproducible, advancing random stream.
//
// Why not tfl.layers.dropout: given a seed it draws the SAME mask at every step (tfjs re-seeds its
// generator on each call), and without one it uses Math.random, so runs are not reproducible. Here the
// layer owns a seeded stream and draws a fresh seed for each training call.
import { tf, tfl } from '../engine/tf.js';
import { Rng, type RngState } from '../engine/random.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction of units (or samples, with perSample) set to zero during training. */
  rate: number;
  /** One keep/drop draw per sample (noise shape [N, 1, ..., 1]): drop-connect / stochastic depth. */
  perSample?: boolean;
  seed: number;
}

export class SeededDropout extends tfl.layers.Layer {
  static className = 'AshBenchSeededDropout';
  readonly rate: number;
  readonly perSample: boolean;
  readonly seed: number;
  private readonly rng: Rng;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`layer ${args.name ?? 'dropout'}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.perSample = args.perSample ?? false;
    this.seed = args.seed;
    this.rng = new Rng(args.seed);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs?.training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    const noiseShape = this.perSample ? [x.shape[0]!, ...x.shape.slice(1).map(() => 1)] : x.shape;
    const drawSeed = this.rng.nextUint32();
    return tf.tidy(() => {
      // floor(U + keep) is 1 with probability keep; scaling by 1/keep keeps the expectation.
      const mask = tf.div(tf.floor(tf.add(tf.randomUniform(noiseShape, 0, 1, 'float32', drawSeed), keep)), keep);
      return tf.mul(x, mask);
    });
  }

  /** Where the layer's mask stream stands (it advances once per training call), for checkpoints. */
  getRngState(): RngState {
    return this.rng.getState();
  }

  restoreRngState(state: RngState): void {
    this.rng.restoreState(state);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, perSample: this.perSample, seed: this.seed, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SeededDropout);

/** Every SeededDropout of a model (nested models included), in layer order: the layers with a random state. */
export function seededDropoutLayers(model: { layers: tfl.layers.Layer[] }): SeededDropout[] {
  const found: SeededDropout[] = [];
  for (const layer of model.layers) {
    if (layer instanceof SeededDropout) found.push(layer);
    else if (Array.isArray((layer as unknown as { layers?: unknown }).layers)) found.push(...seededDropoutLayers(layer as unknown as { layers: tfl.layers.Layer[] }));
  }
  return found;
}
