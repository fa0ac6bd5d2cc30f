// Bilinear resizing to a fixed size, as a serialisable layer (segmentation decoders and heads).
//
// Corners are aligned (align_corners=True), as in DeepLab's reference TF code and segmentation_models.pytorch's
// UpsamplingBilinear2d: output pixel i samples input position i * (in - 1) / (out - 1).
//
// Why not tf.image.resizeBilinear: tfjs 4.22's cpu ResizeBilinearGrad returns its gradient with height and
// width swapped in the shape ([N, W, H, C]), so any non-square input fails on the backward pass, and the
// grad kernels (cpu and WASM) ignore halfPixelCenters. A bilinear resize is separable and linear, so here
// it is two batched matrix products with small interpolation matrices, Y = A_h X A_w^T per channel:
// exact gradients on every backend from matMul's own, no transposes of the feature map, and the same values
// as tf.image.resizeBilinear(x, size, true) (tested).
import { tf, tfl } from '../engine/tf.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** The [out, in] matrix of 1-D linear interpolation with aligned corners (rows sum to 1). */
export function interpolationMatrix(outSize: number, inSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let i = 0; i < outSize; i++) {
    const source = i * scale;
    const low = Math.floor(source);
    const high = Math.min(low + 1, inSize - 1);
    const frac = source - low;
    m[i * inSize + low]! += 1 - frac;
    m[i * inSize + high]! += frac;
  }
  return m;
}

/** x [N, h, w, C] resized to [N, height, width, C], bilinear with aligned corners. */
export function resizeBilinearAligned(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (h !== height) {
      // Rows: [1, H, h] x [N, h, w*C] -> [N, H, w*C] (the batch dimension of the matrix broadcasts).
      const rows = tf.tensor3d(interpolationMatrix(height, h), [1, height, h]);
      y = tf.reshape(tf.matMul(rows, tf.reshape(y, [n, h, w * c]) as tf.Tensor3D), [n, height, w, c]);
    }
    if (w !== width) {
      // Columns: [1, W, w] x [N*H, w, C] -> [N*H, W, C].
      const cols = tf.tensor3d(interpolationMatrix(width, w), [1, width, w]);
      y = tf.reshape(tf.matMul(cols, tf.reshape(y, [n * height, w, c]) as tf.Tensor3D), [n, height, width, c]);
    }
    return y as tf.Tensor4D;
  });
}

export interface BilinearResizeArgs extends LayerArgs {
  height: number;
  width: number;
}

export class BilinearResize extends tfl.layers.Layer {
  static className = 'AshBenchBilinearResize';
  readonly height: number;
  readonly width: number;

  constructor(args: BilinearResizeArgs) {
    super(args);
    for (const [key, value] of [['height', args.height], ['width', args.width]] as const) {
      if (!(Number.isInteger(value) && value >= 1)) throw new Error(`layer ${args.name ?? 'bilinear resize'}: ${key} must be a positive integer, got ${value}`);
    }
    this.height = args.height;
    this.width = args.width;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0]!, this.height, this.width, shape[3]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
    return resizeBilinearAligned(x, this.height, this.width);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { height: this.height, width: this.width, ...super.getConfig() };
  }
}
tf.serialization.registerClass(BilinearResize);
