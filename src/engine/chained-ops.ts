// Chained ops (`x.square()`, `x.add(y).mean()`) on tfjs-core tensors. The full @tensorflow/tfjs package
// gets them by importing tfjs-core's dist/public/chained_ops/register_all_chained_ops; that file is ESM
// with extension-less imports, which Node cannot load, and tfjs-core's Node bundle (the CommonJS
// tf-core.node.js everything here runs on) leaves them out. So this module installs the same 137 methods
// on the same global Tensor class, each exactly as its tfjs-core 4.22 chained_ops/<op>.js defines it.
// The type-only import below brings tfjs-core's own declarations of these methods (no runtime code).
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import * as tfc from '@tensorflow/tfjs-core';

/** Methods that are `op(this, ...args)` for the tf function of the same name (tfjs-core 4.22's list). */
const FORWARDED = [
  'abs', 'acos', 'acosh', 'add', 'all', 'any', 'argMax', 'argMin', 'asin', 'asinh', 'atan', 'atan2', 'atanh',
  'avgPool', 'batchToSpaceND', 'batchNorm', 'broadcastTo', 'cast', 'ceil', 'clipByValue', 'conv1d', 'conv2d',
  'conv2dTranspose', 'cos', 'cosh', 'cumprod', 'cumsum', 'depthToSpace', 'depthwiseConv2d', 'dilation2d', 'div',
  'divNoNan', 'dot', 'elu', 'equal', 'erf', 'euclideanNorm', 'exp', 'expandDims', 'expm1', 'fft', 'floor', 'floorDiv',
  'gather', 'greater', 'greaterEqual', 'ifft', 'irfft', 'isFinite', 'isInf', 'isNaN', 'leakyRelu', 'less', 'lessEqual',
  'localResponseNormalization', 'log', 'log1p', 'logSigmoid', 'logSoftmax', 'logSumExp', 'logicalAnd', 'logicalNot',
  'logicalOr', 'logicalXor', 'matMul', 'max', 'maxPool', 'maximum', 'mean', 'min', 'minimum', 'mirrorPad', 'mod', 'mul',
  'neg', 'norm', 'notEqual', 'onesLike', 'pad', 'pool', 'pow', 'prelu', 'prod', 'reciprocal', 'relu', 'relu6', 'reshape',
  'reverse', 'rfft', 'round', 'rsqrt', 'selu', 'separableConv2d', 'sigmoid', 'sign', 'sin', 'sinh', 'slice', 'softmax',
  'softplus', 'spaceToBatchND', 'split', 'sqrt', 'square', 'squaredDifference', 'squeeze', 'step', 'stridedSlice', 'sub',
  'sum', 'tan', 'tanh', 'tile', 'topk', 'transpose', 'unique', 'unsortedSegmentSum', 'unstack', 'zerosLike',
] as const;

type AnyOp = (...args: unknown[]) => unknown;
type Tensor = tfc.Tensor;

/** The methods whose body is not a plain forward (copied from the matching chained_ops/<name>.js). */
const SPECIAL: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  as1D(this: Tensor) { return tfc.reshape(this, [this.size]); },
  as2D(this: Tensor, rows: number, columns: number) { return tfc.reshape(this, [rows, columns]); },
  as3D(this: Tensor, rows: number, columns: number, depth: number) { return tfc.reshape(this, [rows, columns, depth]); },
  as4D(this: Tensor, rows: number, columns: number, depth: number, depth2: number) { return tfc.reshape(this, [rows, columns, depth, depth2]); },
  as5D(this: Tensor, rows: number, columns: number, depth: number, depth2: number, depth3: number) {
    return tfc.reshape(this, [rows, columns, depth, depth2, depth3]);
  },
  asScalar(this: Tensor) {
    tfc.util.assert(this.size === 1, () => 'The array must have only 1 element.');
    return tfc.reshape(this, []);
  },
  asType(this: Tensor, dtype: tfc.DataType) { return tfc.cast(this, dtype); },
  concat(this: Tensor, x: Tensor | Tensor[], axis?: number) { return tfc.concat([this, ...(x instanceof tfc.Tensor ? [x] : x)], axis); },
  flatten(this: Tensor) { return tfc.reshape(this, [this.size]); },
  oneHot(this: Tensor, depth: number, onValue = 1, offValue = 0) { return tfc.oneHot(this, depth, onValue, offValue); },
  reshapeAs(this: Tensor, x: Tensor) { return tfc.reshape(this, x.shape); },
  resizeBilinear(this: Tensor, size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) {
    return tfc.image.resizeBilinear(this as tfc.Tensor4D, size, alignCorners, halfPixelCenters);
  },
  resizeNearestNeighbor(this: Tensor, size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) {
    return tfc.image.resizeNearestNeighbor(this as tfc.Tensor4D, size, alignCorners, halfPixelCenters);
  },
  stack(this: Tensor, x: Tensor | Tensor[], axis?: number) { return tfc.stack(x instanceof tfc.Tensor ? [this, x] : [this, ...x], axis); },
  toBool(this: Tensor) { return tfc.cast(this, 'bool'); },
  toFloat(this: Tensor) { return tfc.cast(this, 'float32'); },
  toInt(this: Tensor) { return tfc.cast(this, 'int32'); },
  where(this: Tensor, condition: Tensor, x: Tensor) { return tfc.where(condition, this, x); },
};

/** Names of every chained op installed (for tests and docs). */
export const CHAINED_OP_NAMES: readonly string[] = [...FORWARDED, ...Object.keys(SPECIAL)].sort();

/** Install the chained ops on tfjs-core's global Tensor class, leaving any already there (from @tensorflow/tfjs). */
export function registerChainedOps(): void {
  // Tensor.prototype is shared through tfjs's global namespace, so the class the engine makes tensors of gets them.
  const proto = tfc.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tfc as unknown as Record<string, AnyOp>;
  const install = (name: string, body: (this: Tensor, ...args: never[]) => unknown) => {
    if (typeof proto[name] === 'function') return;
    proto[name] = function (this: Tensor, ...args: never[]) {
      this.throwIfDisposed();
      return body.apply(this, args);
    };
  };
  for (const name of FORWARDED) {
    const op = ops[name];
    if (typeof op !== 'function') throw new Error(`tfjs-core has no op '${name}' to chain (version mismatch?)`);
    install(name, function (this: Tensor, ...args: never[]) {
      return op(this, ...args);
    });
  }
  for (const [name, body] of Object.entries(SPECIAL)) install(name, body);
}
