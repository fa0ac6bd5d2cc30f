// The fixed (weight-free) baseline activations of the paper's tables, each a serialisable tfjs layer.
// Class names carry an AshBench prefix: tfjs-layers keys deserialisation by class name, and plain
// names such as 'ELU' or 'ReLU' would replace its own built-in layers.
import { tf, tfl } from '../../engine/tf.js';
import { singleInput } from '../tensor-utils.js';
import { geluExact, geluTanh, leakyRelu, mish, selu } from '../baseline-math.js';

type Tensor = tf.Tensor;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** A layer applying one element-wise function; subclasses give the function and their options. */
export abstract class ElementwiseActivation extends tfl.layers.Layer {
  protected abstract activate(x: Tensor): Tensor;

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    return tf.tidy(() => this.activate(x));
  }
}

export class ReluLayer extends ElementwiseActivation {
  static className = 'AshBenchRelu';
  protected activate(x: Tensor): Tensor {
    return tf.relu(x);
  }
}
tf.serialization.registerClass(ReluLayer);

export interface LeakyReluLayerArgs extends LayerArgs {
  /** Slope for negative inputs. */
  slope?: number;
}

export class LeakyReluLayer extends ElementwiseActivation {
  static className = 'AshBenchLeakyRelu';
  readonly slope: number;
  constructor(args: LeakyReluLayerArgs = {}) {
    super(args);
    this.slope = args.slope ?? 0.01;
  }
  protected activate(x: Tensor): Tensor {
    return leakyRelu(x, this.slope);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { slope: this.slope, ...super.getConfig() };
  }
}
tf.serialization.registerClass(LeakyReluLayer);

export class SoftplusLayer extends ElementwiseActivation {
  static className = 'AshBenchSoftplus';
  protected activate(x: Tensor): Tensor {
    return tf.softplus(x);
  }
}
tf.serialization.registerClass(SoftplusLayer);

/** ELU with alpha 1. */
export class EluLayer extends ElementwiseActivation {
  static className = 'AshBenchElu';
  protected activate(x: Tensor): Tensor {
    return tf.elu(x);
  }
}
tf.serialization.registerClass(EluLayer);

/** SELU with the self-normalising constants (scale 1.0507..., alpha 1.6732...) of Klambauer et al. 2017. */
export class SeluLayer extends ElementwiseActivation {
  static className = 'AshBenchSelu';
  protected activate(x: Tensor): Tensor {
    return selu(x);
  }
}
tf.serialization.registerClass(SeluLayer);

export type GeluApproximation = 'none' | 'tanh';

export interface GeluLayerArgs extends LayerArgs {
  /** 'none': the exact x Phi(x) through erf; 'tanh': Hendrycks & Gimpel's tanh approximation. */
  approximate?: GeluApproximation;
}

export class GeluLayer extends ElementwiseActivation {
  static className = 'AshBenchGelu';
  readonly approximate: GeluApproximation;
  constructor(args: GeluLayerArgs = {}) {
    super(args);
    this.approximate = args.approximate ?? 'none';
  }
  protected activate(x: Tensor): Tensor {
    return this.approximate === 'tanh' ? geluTanh(x) : geluExact(x);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { approximate: this.approximate, ...super.getConfig() };
  }
}
tf.serialization.registerClass(GeluLayer);

/** Mish (Misra 2019): x tanh(softplus(x)). */
export class MishLayer extends ElementwiseActivation {
  static className = 'AshBenchMish';
  protected activate(x: Tensor): Tensor {
    return mish(x);
  }
}
tf.serialization.registerClass(MishLayer);
