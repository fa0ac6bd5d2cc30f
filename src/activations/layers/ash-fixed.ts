// The two non-trainable ASH forms as tfjs layers: hard Z-score threshold (Eq. 7) and exact top-k (Eq. 2).
import { tf, tfl } from '../../engine/tf.js';
import { ashHard, ashTopK } from '../ash-math.js';
import { type StatsScope, checkStatsRank, singleInput, singleShape } from '../tensor-utils.js';
import { DEFAULT_EPSILON } from './ash.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface AshHardLayerArgs extends LayerArgs {
  z?: number;
  /** The top fraction k that z was derived from; recorded only. */
  k?: number | null;
  stats?: StatsScope;
  epsilon?: number;
}

/** Eq. 7: x where x >= mean + z std, else 0. No weights (Lemma 1: z cannot be learned through a step). */
export class AshHardLayer extends tfl.layers.Layer {
  static className = 'AshBenchAshHard';
  readonly z: number;
  readonly k: number | null;
  readonly stats: StatsScope;
  readonly epsilon: number;

  constructor(args: AshHardLayerArgs = {}) {
    super(args);
    this.z = args.z ?? 0;
    this.k = args.k ?? null;
    this.stats = args.stats ?? 'sample';
    this.epsilon = args.epsilon ?? DEFAULT_EPSILON;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    checkStatsRank(singleShape(inputShape, this.name).length, this.stats, this.name);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return ashHard(singleInput(inputs, this.name), this.z, this.stats, this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { z: this.z, stats: this.stats, epsilon: this.epsilon };
    if (this.k !== null) config.k = this.k;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(AshHardLayer);

export interface AshTopKLayerArgs extends LayerArgs {
  k?: number;
}

/** Eq. 2: keeps exactly ceil(k N) elements of each sample of N elements (see ashTopK for ties). */
export class AshTopKLayer extends tfl.layers.Layer {
  static className = 'AshBenchAshTopK';
  readonly k: number;

  constructor(args: AshTopKLayerArgs = {}) {
    super(args);
    this.k = args.k ?? 0.5;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return ashTopK(singleInput(inputs, this.name), this.k);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { k: this.k, ...super.getConfig() };
  }
}
tf.serialization.registerClass(AshTopKLayer);
