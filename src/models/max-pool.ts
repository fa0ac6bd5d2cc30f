// Max pooling with a correct gradient on every backend.
//
// Why not tf.maxPool / tfl.layers.maxPooling2d: tfjs 4.22's WASM MaxPoolGrad kernel loses the gradient of
// a window whose maximum is negative, or puts it on the wrong element (measured against an argmax loop in
// test/models/max-pool.test.ts; the cpu kernel is right). ReLU nets
// never pool a negative maximum, but ELU, SELU, Swish and ASH do, so U-Net's pooling and the
// ResNet stem would train with corrupted gradients on WASM. Here the pool is the element-wise maximum of
// its k*k strided windows of the (-inf padded) input, taken in raster order: only pad, slice, reshape and
// maximum, whose gradients are right everywhere; a tie goes to the first window, as TF's argmax does.
import { tf, tfl } from '../engine/tf.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export type PoolPadding = 'same' | 'valid';

/** Output size, and padding before/after, of one axis (TF's rules). */
function poolAxis(size: number, kernel: number, stride: number, padding: PoolPadding): { out: number; before: number; after: number } {
  if (padding === 'valid') return { out: Math.floor((size - kernel) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/** Max pooling of x [N, H, W, C] with a square kernel and stride. */
export function maxPool2d(x: tf.Tensor4D, kernel: number, stride: number, padding: PoolPadding): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const rows = poolAxis(h, kernel, stride, padding);
  const cols = poolAxis(w, kernel, stride, padding);
  if (rows.out < 1 || cols.out < 1) throw new Error(`max pool: a ${kernel}x${kernel} window does not fit a ${h}x${w} input`);
  return tf.tidy(() => {
    // Every window slice covers stride * out rows from its offset; pad (or crop) the end so each one fits.
    const needH = kernel - 1 + stride * rows.out;
    const needW = kernel - 1 + stride * cols.out;
    let padded: tf.Tensor4D = x;
    const extraH = needH - (h + rows.before);
    const extraW = needW - (w + cols.before);
    if (rows.before > 0 || cols.before > 0 || extraH > 0 || extraW > 0) {
      padded = tf.pad(x, [[0, 0], [rows.before, Math.max(extraH, 0)], [cols.before, Math.max(extraW, 0)], [0, 0]], -Infinity);
    }
    let result: tf.Tensor4D | undefined;
    for (let a = 0; a < kernel; a++) {
      for (let b = 0; b < kernel; b++) {
        let window: tf.Tensor = tf.slice(padded, [0, a, b, 0], [n, stride * rows.out, stride * cols.out, c]);
        if (stride > 1) {
          // Every stride-th row and column, with rank-4 ops only (the WASM backend slices rank 6 slowly):
          // rows split as (out, stride), columns and channels as (out, stride * c); keep phase 0 of each.
          window = tf.reshape(window, [n * rows.out, stride, cols.out, stride * c]);
          window = tf.slice(window, [0, 0, 0, 0], [n * rows.out, 1, cols.out, c]);
        }
        window = tf.reshape(window, [n, rows.out, cols.out, c]);
        result = (result ? tf.maximum(result, window) : window) as tf.Tensor4D;
      }
    }
    return result!;
  });
}

export interface MaxPoolArgs extends LayerArgs {
  poolSize: number;
  strides: number;
  padding?: PoolPadding;
}

export class MaxPool extends tfl.layers.Layer {
  static className = 'AshBenchMaxPool';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: PoolPadding;

  constructor(args: MaxPoolArgs) {
    super(args);
    this.poolSize = args.poolSize;
    this.strides = args.strides;
    this.padding = args.padding ?? 'valid';
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w, c] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const size = (s: number | null) => (s == null ? null : poolAxis(s, this.poolSize, this.strides, this.padding).out);
    return [n!, size(h!), size(w!), c!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
    return maxPool2d(x, this.poolSize, this.strides, this.padding);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding, ...super.getConfig() };
  }
}
tf.serialization.registerClass(MaxPool);
