// Atrous (dilated) convolution that trains on every backend.
//
// Why not tf.conv2d with `dilations`: tfjs-core's Conv2D gradient asserts that the dilations are 1
// (tensorflow/tfjs#7906), so a dilated conv has a forward pass but no backward pass. TensorFlow itself
// computes a stride-1 dilated convolution as space-to-batch -> undilated VALID conv -> batch-to-space
// (nn_ops.with_space_to_batch); here the same three ops, each of which has a tfjs gradient and a kernel
// on the cpu and WASM backends (the conv's gradients come from the project's WASM kernels).
import { tf, tfl } from '../engine/tf.js';

type Tensor4D = tf.Tensor4D;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type LayerVariable = ReturnType<tfl.layers.Layer['addWeight']>;
type Initializer = ReturnType<typeof tfl.initializers.heNormal>;

export type AtrousPadding = 'same' | 'valid';

/**
 * The paddings and crops of TF's required_space_to_batch_paddings for one spatial axis: the filter's
 * dilated extent decides the 'same' padding, and extra padding at the end makes the padded size a
 * multiple of the rate (cropped off again after the batch-to-space).
 */
function axisPlan(size: number, kernel: number, rate: number, padding: AtrousPadding): { pad: [number, number]; crop: [number, number] } {
  const dilatedKernel = (kernel - 1) * rate + 1;
  const total = padding === 'same' ? dilatedKernel - 1 : 0;
  const start = Math.floor(total / 2);
  const end = total - start;
  const extra = (rate - ((size + start + end) % rate)) % rate;
  return { pad: [start, end + extra], crop: [0, extra] };
}

/**
 * Stride-1 convolution of x [N, H, W, Cin] with filter [kh, kw, Cin, Cout] at dilation `rate`, the same
 * values as tf.conv2d(x, filter, 1, padding, 'NHWC', rate), with gradients for x and the filter.
 */
export function atrousConv2d(x: Tensor4D, filter: Tensor4D, rate: number, padding: AtrousPadding): Tensor4D {
  if (!(Number.isInteger(rate) && rate >= 1)) throw new Error(`atrous conv: rate must be a positive integer, got ${rate}`);
  if (rate === 1) return tf.conv2d(x, filter, 1, padding);
  const [, height, width] = x.shape;
  const [kh, kw] = filter.shape;
  const rows = axisPlan(height, kh, rate, padding);
  const cols = axisPlan(width, kw, rate, padding);
  return tf.tidy(() => {
    const blocks = tf.spaceToBatchND(x, [rate, rate], [rows.pad, cols.pad]);
    const y = tf.conv2d(blocks as Tensor4D, filter, 1, 'valid');
    return tf.batchToSpaceND(y, [rate, rate], [rows.crop, cols.crop]) as Tensor4D;
  });
}

/** A serialised initialiser (className + config), as tfjs-layers writes them into a model's JSON. */
interface InitializerConfig {
  className: string;
  config: tf.serialization.ConfigDict;
}

function initializerFrom(value: Initializer | InitializerConfig | undefined): Initializer {
  if (value === undefined) return tfl.initializers.heNormal({});
  if (value instanceof tf.serialization.Serializable) return value as Initializer;
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[value.className] ?? [];
  if (!cls || !fromConfig) throw new Error(`atrous conv: unknown initializer class '${value.className}'`);
  return fromConfig(cls, value.config) as Initializer;
}

export interface AtrousConv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number;
  dilationRate: number;
  padding?: AtrousPadding;
  useBias?: boolean;
  kernelInitializer?: Initializer | InitializerConfig;
}

/**
 * A stride-1 2-D convolution layer with a dilation rate, computed by atrousConv2d. Its weights are named
 * and shaped as tfl.layers.conv2d's (kernel [k, k, Cin, filters], bias [filters]).
 */
export class AtrousConv2D extends tfl.layers.Layer {
  static className = 'AshBenchAtrousConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly dilationRate: number;
  readonly padding: AtrousPadding;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;

  constructor(args: AtrousConv2DArgs) {
    super(args);
    for (const [key, value] of [['filters', args.filters], ['kernelSize', args.kernelSize], ['dilationRate', args.dilationRate]] as const) {
      if (!(Number.isInteger(value) && value >= 1)) throw new Error(`layer ${args.name ?? 'atrous conv'}: ${key} must be a positive integer, got ${value}`);
    }
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.dilationRate = args.dilationRate;
    this.padding = args.padding ?? 'same';
    this.useBias = args.useBias ?? false;
    this.kernelInitializer = initializerFrom(args.kernelInitializer);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[3];
    if (shape.length !== 4 || channels == null) throw new Error(`layer ${this.name}: expects [batch, height, width, channels] with known channels`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, channels, this.filters], 'float32', this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const shrink = this.padding === 'same' ? 0 : (this.kernelSize - 1) * this.dilationRate;
    return [n!, h == null ? null : h - shrink, w == null ? null : w - shrink, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as Tensor4D;
    return tf.tidy(() => {
      const y = atrousConv2d(x, this.kernel!.read() as Tensor4D, this.dilationRate, this.padding);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      dilationRate: this.dilationRate,
      padding: this.padding,
      useBias: this.useBias,
      kernelInitializer: { className: this.kernelInitializer.getClassName(), config: this.kernelInitializer.getConfig() },
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(AtrousConv2D);
