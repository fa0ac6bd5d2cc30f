// Nearest-neighbour upsampling by an integer factor, as a serialisable layer (the EfficientNet U-Net decoder).
//
// Why not tfl.layers.upSampling2d: its backward pass (tfjs 4.22's ResizeNearestNeighborGrad) is wrong on the
// cpu backend (measured: off by O(1) against the exact block sums for every size tried; the WASM kernel is
// right), and the cpu backend is the reference the other backends are tested against. Here each pixel is
// repeated by a reshape and a broadcast multiply, whose gradient (sum over each factor x factor block) is exact everywhere.
import { tf, tfl } from '../engine/tf.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** x [N, h, w, C] -> [N, factor*h, factor*w, C], every pixel repeated over a factor x factor block. */
export function upsampleNearest(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (factor === 1) return x;
  return tf.tidy(() => {
    // Broadcasting against ones (tfjs's Tile gradient stops at rank 4; Mul's reduces any broadcast axes).
    const blocks = tf.mul(tf.reshape(x, [n, h, 1, w, 1, c]), tf.ones([1, 1, factor, 1, factor, 1]));
    return tf.reshape(blocks, [n, h * factor, w * factor, c]) as tf.Tensor4D;
  });
}

export interface NearestUpsampleArgs extends LayerArgs {
  factor: number;
}

export class NearestUpsample extends tfl.layers.Layer {
  static className = 'AshBenchNearestUpsample';
  readonly factor: number;

  constructor(args: NearestUpsampleArgs) {
    super(args);
    if (!(Number.isInteger(args.factor) && args.factor >= 1)) throw new Error(`layer ${args.name ?? 'nearest upsample'}: factor must be a positive integer, got ${args.factor}`);
    this.factor = args.factor;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w, c] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [n!, h == null ? null : h * this.factor, w == null ? null : w * this.factor, c!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return upsampleNearest((Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D, this.factor);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { factor: this.factor, ...super.getConfig() };
  }
}
tf.serialization.registerClass(NearestUpsample);
