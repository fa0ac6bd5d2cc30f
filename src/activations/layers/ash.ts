// Smooth, trainable ASH (paper Eq. 10) as a tfjs layer: y = x * sigmoid(2 alpha (x - mean - z std)).
import { tf, tfl } from '../../engine/tf.js';
import { ashCustomGrad, type AshMathOptions } from '../ash-math.js';
import { type StatsScope, checkStatsRank, singleInput, singleShape } from '../tensor-utils.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type LayerVariable = ReturnType<tfl.layers.Layer['addWeight']>;

export const DEFAULT_EPSILON = 1e-5;

export interface AshLayerArgs extends LayerArgs {
  /** Initial z (the threshold in standard deviations above the mean). */
  z?: number;
  /** The top fraction k that the initial z was derived from (z = Phi^-1(1 - k)); recorded only, never re-derived. */
  k?: number | null;
  /** Initial sharpness alpha. */
  alpha?: number;
  trainAlpha?: boolean;
  stopStatsGradient?: boolean;
  stats?: StatsScope;
  epsilon?: number;
}

export class AshLayer extends tfl.layers.Layer {
  static className = 'AshBenchAsh';
  readonly initialZ: number;
  readonly k: number | null;
  readonly initialAlpha: number;
  readonly trainAlpha: boolean;
  readonly mathOptions: AshMathOptions;
  private zWeight?: LayerVariable;
  private alphaWeight?: LayerVariable;

  constructor(args: AshLayerArgs = {}) {
    super(args);
    this.initialZ = args.z ?? 0;
    this.k = args.k ?? null;
    this.initialAlpha = args.alpha ?? 1;
    this.trainAlpha = args.trainAlpha ?? true;
    this.mathOptions = {
      stats: args.stats ?? 'sample',
      epsilon: args.epsilon ?? DEFAULT_EPSILON,
      stopStatsGradient: args.stopStatsGradient ?? false,
    };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    checkStatsRank(singleShape(inputShape, this.name).length, this.mathOptions.stats, this.name);
    this.zWeight = this.addWeight('z', [], 'float32', tfl.initializers.constant({ value: this.initialZ }), undefined, true);
    this.alphaWeight = this.addWeight(
      'alpha', [], 'float32', tfl.initializers.constant({ value: this.initialAlpha }), undefined, this.trainAlpha,
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = singleInput(inputs, this.name);
    return ashCustomGrad(x, this.zWeight!.read(), this.alphaWeight!.read(), this.mathOptions);
  }

  /** The current (learned) z and alpha. */
  currentParameters(): { z: number; alpha: number } {
    if (!this.zWeight || !this.alphaWeight) return { z: this.initialZ, alpha: this.initialAlpha };
    return { z: this.zWeight.read().dataSync()[0]!, alpha: this.alphaWeight.read().dataSync()[0]! };
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      z: this.initialZ,
      alpha: this.initialAlpha,
      trainAlpha: this.trainAlpha,
      stopStatsGradient: this.mathOptions.stopStatsGradient,
      stats: this.mathOptions.stats,
      epsilon: this.mathOptions.epsilon,
    };
    if (this.k !== null) config.k = this.k;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(AshLayer);
