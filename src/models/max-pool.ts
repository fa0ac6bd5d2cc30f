// Max pooling with a correct gradient on every backend.
//
// Why not tf.maxPool / tfl.layers.maxPooling2d: tfjs 4.22's WASM MaxPoolGrad kernel loses the gradient of
// a window whose maximum is negative, or puts it on the wrong element (measured against an argmax loop in
// test/models/max-pool.test.ts; the cpu kernel is right). ReLU nets
// never pool a negative maximum, but ELU, SELU, Swish and ASH do, so U-Net's pooling and the
// ResNet stem would train with corrupted gradients on WASM.
//
// Two forms, the same windows and the same gradient:
//  - fused (the WASM backend with the project's fused kernels, native addon or WebAssembly module): one
//    kernel forward that also records each output's argmax, one scatter backward (native/fused_kernels.c);
//  - composed, on every other backend: the element-wise maximum of the k*k strided windows of the (-inf
//    padded) input, taken in raster order: only pad, slice, reshape and maximum, whose gradients are right
//    everywhere. It was about half of ssd-small's WASM step (3 k^2 + 1 kernels forward, twice that back).
// Either way a tie goes to the first window offset (a, b) in raster order, as TF's argmax does, and the
// padding is never chosen (test/models/max-pool-fused.test.ts compares the two).
import { tf, tfl } from '../engine/tf.js';
import { FUSED_MAX_POOL, FUSED_MAX_POOL_GRAD, fusedKernelAvailable } from '../engine/kernels/native_activations.js';
import { poolAxis, type PoolPadding } from '../engine/kernels/pool_geometry.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

export type { PoolPadding };

/** Max pooling of x [N, H, W, C] with a square kernel and stride: fused when the backend has the kernels. */
export function maxPool2d(x: tf.Tensor4D, kernel: number, stride: number, padding: PoolPadding): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (poolAxis(h, kernel, stride, padding).out < 1 || poolAxis(w, kernel, stride, padding).out < 1) {
    throw new Error(`max pool: a ${kernel}x${kernel} window does not fit a ${h}x${w} input`);
  }
  if (fusedKernelAvailable(FUSED_MAX_POOL, x)) return maxPool2dFused(x, kernel, stride, padding);
  return maxPool2dComposed(x, kernel, stride, padding);
}

const fusedPools = new Map<string, (x: tf.Tensor4D) => tf.Tensor4D>();

/**
 * maxPool2d through the fused kernels (the current backend must have them). The forward kernel's argmax
 * is all the gradient keeps: x is not held for the backward pass.
 */
export function maxPool2dFused(x: tf.Tensor4D, kernel: number, stride: number, padding: PoolPadding): tf.Tensor4D {
  const key = `${kernel}/${stride}/${padding}`;
  let pool = fusedPools.get(key);
  if (!pool) {
    const attrs = { kernelSize: kernel, stride, padding };
    const f = (input: tf.Tensor4D, save: tf.GradSaveFunc) => {
      const [y, argmax] = tf.engine().runKernel(FUSED_MAX_POOL, { x: input }, attrs) as tf.Tensor[];
      save([argmax!]);
      const inputShape = input.shape;
      return {
        value: y as tf.Tensor4D,
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
          tf.engine().runKernel(FUSED_MAX_POOL_GRAD, { dy, argmax: saved! }, { inputShape }) as tf.Tensor,
      };
    };
    pool = tf.customGrad(f as unknown as CustomGradientFunc) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
    fusedPools.set(key, pool);
  }
  return pool(x);
}

/** maxPool2d from tfjs ops, on any backend (exported for the tests that compare both forms). */
export function maxPool2dComposed(x: tf.Tensor4D, kernel: number, stride: number, padding: PoolPadding): tf.Tensor4D {
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
