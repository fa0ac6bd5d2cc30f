// Bilinear resizing to a fixed size, as a serialisable layer (segmentation decoders and heads).
//
// Corners are aligned (align_corners=True), as DeepLab's reference TF code and segmentation_models.pytorch's
// UpsamplingBilinear2d do. Not the half-pixel convention (PyTorch's align_corners=False): tfjs 4.22's
// ResizeBilinearGrad kernels (cpu and WASM) read only `alignCorners` and ignore `halfPixelCenters`, so a
// half-pixel forward pass would get the gradient of a different resize.
import { tf, tfl } from '../engine/tf.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

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
    if (x.shape[1] === this.height && x.shape[2] === this.width) return x;
    return tf.image.resizeBilinear(x, [this.height, this.width], true);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { height: this.height, width: this.width, ...super.getConfig() };
  }
}
tf.serialization.registerClass(BilinearResize);
