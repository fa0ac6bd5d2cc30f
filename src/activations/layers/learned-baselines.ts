// The baselines with learned parameters: PReLU (learned negative slope) and Swish (optionally learned beta).
import { fusedSwish } from '../fused.js';
import { tf, tfl } from '../../engine/tf.js';
import { singleInput, singleShape } from '../tensor-utils.js';
import { prelu } from '../baseline-math.js';

type Tensor = tf.Tensor;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type LayerVariable = ReturnType<tfl.layers.Layer['addWeight']>;

export interface PReluLayerArgs extends LayerArgs {
  /** Initial slope for negative inputs (He et al. 2015 use 0.25). */
  slope?: number;
  /**
   * true: one slope per channel (the last axis), shared over the spatial axes, as in He et al.'s
   * channel-wise PReLU and Keras PReLU with shared_axes over the spatial dims; false: one slope for the
   * whole layer, as PyTorch's nn.PReLU() default.
   */
  perChannel?: boolean;
}

export class PReluLayer extends tfl.layers.Layer {
  static className = 'AshBenchPRelu';
  readonly initialSlope: number;
  readonly perChannel: boolean;
  private slopeWeight?: LayerVariable;

  constructor(args: PReluLayerArgs = {}) {
    super(args);
    this.initialSlope = args.slope ?? 0.25;
    this.perChannel = args.perChannel ?? true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, this.name);
    const channels = shape[shape.length - 1];
    if (this.perChannel && (channels == null || shape.length < 2)) {
      throw new Error(`layer ${this.name}: per-channel PReLU needs a known last (channel) axis, got shape [${shape}]`);
    }
    const slopeShape = this.perChannel ? [channels!] : [1];
    this.slopeWeight = this.addWeight('slope', slopeShape, 'float32', tfl.initializers.constant({ value: this.initialSlope }));
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    return prelu(x, this.slopeWeight!.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { slope: this.initialSlope, perChannel: this.perChannel, ...super.getConfig() };
  }
}
tf.serialization.registerClass(PReluLayer);

export interface SwishLayerArgs extends LayerArgs {
  /** y = x sigmoid(beta x); beta 1 is SiLU. */
  beta?: number;
  /** Learn beta (Ramachandran et al.'s Swish-beta) instead of keeping it fixed. */
  trainBeta?: boolean;
}

export class SwishLayer extends tfl.layers.Layer {
  static className = 'AshBenchSwish';
  readonly initialBeta: number;
  readonly trainBeta: boolean;
  private betaWeight?: LayerVariable;

  constructor(args: SwishLayerArgs = {}) {
    super(args);
    this.initialBeta = args.beta ?? 1;
    this.trainBeta = args.trainBeta ?? false;
  }

  override build(): void {
    // A fixed beta is a constant, not a weight, so a SiLU model saves no extra weights.
    if (this.trainBeta) {
      this.betaWeight = this.addWeight('beta', [], 'float32', tfl.initializers.constant({ value: this.initialBeta }));
    }
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    return tf.tidy(() => {
      if (this.betaWeight) return tf.mul(x, tf.sigmoid(tf.mul(x, this.betaWeight.read())));
      // One fused kernel each way where the backend has it (fused.ts), else composed ops.
      const fused = fusedSwish(x, this.initialBeta);
      if (fused) return fused;
      if (this.initialBeta === 1) return tf.mul(x, tf.sigmoid(x));
      return tf.mul(x, tf.sigmoid(tf.mul(x, this.initialBeta)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { beta: this.initialBeta, trainBeta: this.trainBeta, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SwishLayer);
