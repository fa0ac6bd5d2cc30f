// WASM-backend kernels that run in oneDNN (native/ash_native.cc) on the WASM heap, in place.
//
// Convolutions, dense and depthwise (forward, input gradient, filter gradient) and matrix products were ~75% of a ResNet-20
// training step in WASM (bench/profile-step.ts); natively they run with AVX-512 instead of 128-bit
// SIMD. Each kernel here wraps the kernel registered before it (tfjs's or the project's WASM one) and
// falls back to it for anything it does not handle: NCHW, other dtypes, fused activations other than
// relu, broadcasting it cannot express, or a case oneDNN declines.
import { tf } from '../tf.js';
import type { NativeAddon } from '../native.js';
import { convInfoFor, type ConvAttrs, type Conv2DInfo } from './conv_attrs.js';
import { asWasmBackend, memoryOffset, sizeOf, type WasmBackend } from './wasm_backend.js';
import { FUSED_ACTIVATION_KERNELS, fusedKernelsSource, installFusedKernels, uninstallFusedKernels } from './native_activations.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };
type Fallback = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** The kernels this module replaces, in registration order. */
export const NATIVE_KERNEL_NAMES = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
  'DepthwiseConv2dNativeBackpropInput',
  // Not DepthwiseConv2dNativeBackpropFilter: with NHWC data oneDNN 2.6 runs it as a generic grouped
  // convolution padded to 16x16 blocks, 3x slower than the project's WASM kernel on EfficientNet-B0
  // (ONEDNN_VERBOSE shows jit:avx512_core with aBCde16c16b weights; 43-55 ms against 15 ms a step).
  'BatchMatMul',
] as const;

const CONV_FORWARD = 0;
const CONV_BACKWARD_DATA = 1;
const CONV_BACKWARD_WEIGHTS = 2;

const convParams = new Int32Array(19);
const matmulParams = new Int32Array(7);

function heapOf(backend: WasmBackend): ArrayBufferLike {
  // Taken after every allocation of the call: an allocation may grow (and so replace) the heap buffer.
  return backend.wasm.HEAPF32.buffer;
}

/**
 * Fill convParams for oneDNN, or return false when the geometry cannot be given to it. oneDNN wants the
 * right padding that makes its output size formula give tfjs's output size exactly.
 */
function fillConvParams(info: Conv2DInfo, relu: boolean, depthwise = false): boolean {
  if (info.dataFormat !== 'channelsLast') return false;
  const { batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const sizes = [batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels, outHeight, outWidth];
  if (sizes.some((d) => !(d >= 1))) return false;
  if (top < 0 || left < 0) return false;
  const bottom = rightPadding(inHeight, filterHeight, dilationHeight, strideHeight, top, outHeight);
  const right = rightPadding(inWidth, filterWidth, dilationWidth, strideWidth, left, outWidth);
  if (bottom === undefined || right === undefined) return false;
  // A depthwise conv is a grouped one with a group per input channel.
  const groups = depthwise ? inChannels : 1;
  convParams.set([...sizes, strideHeight, strideWidth, dilationHeight, dilationWidth, top, left, bottom, right, relu ? 1 : 0, groups]);
  return true;
}

/** The smallest non-negative far-side padding for which oneDNN's output size equals `out`. */
function rightPadding(size: number, kernel: number, dilation: number, stride: number, near: number, out: number): number | undefined {
  const span = (kernel - 1) * dilation + 1;
  const far = Math.max(0, (out - 1) * stride + span - size - near);
  return Math.floor((size - span + near + far) / stride) + 1 === out ? far : undefined;
}

function runConv(
  addon: NativeAddon,
  backend: WasmBackend,
  kind: 0 | 1 | 2,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  outShape: number[],
): tf.TensorInfo | undefined {
  const out = backend.makeOutput(outShape, 'float32');
  if (sizeOf(outShape) === 0) return out;
  const ok = addon.conv2d(
    kind,
    heapOf(backend),
    memoryOffset(backend, a),
    memoryOffset(backend, b),
    memoryOffset(backend, out),
    bias ? memoryOffset(backend, bias) : -1,
    convParams,
  );
  if (ok) return out;
  backend.disposeData(out.dataId);
  return undefined;
}

function allFloat32(...infos: (tf.TensorInfo | undefined)[]): boolean {
  return infos.every((info) => info === undefined || info.dtype === 'float32');
}

function makeConv2D(addon: NativeAddon, fallback: Fallback, depthwise = false) {
  return (args: KernelArgs) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    if (allFloat32(x, filter)) {
      const info = convInfoFor(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', x.shape, filter.shape, args.attrs as unknown as ConvAttrs, depthwise);
      if (fillConvParams(info, false, depthwise)) {
        const out = runConv(addon, asWasmBackend(args.backend), CONV_FORWARD, x, filter, undefined, info.outShape);
        if (out) return out;
      }
    }
    return fallback(args);
  };
}

function makeFusedConv2D(addon: NativeAddon, fallback: Fallback, depthwise = false) {
  return (args: KernelArgs) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const activation = (args.attrs.activation as string | undefined) ?? 'linear';
    const handled = (activation === 'linear' || activation === 'relu') && preluActivationWeights === undefined;
    if (handled && x && filter && allFloat32(x, filter, bias)) {
      const info = convInfoFor(depthwise ? 'FusedDepthwiseConv2D' : 'FusedConv2D', x.shape, filter.shape, args.attrs as unknown as ConvAttrs, depthwise);
      const biasFits = bias === undefined || sizeOf(bias.shape) === info.outChannels;
      if (biasFits && fillConvParams(info, activation === 'relu', depthwise)) {
        const out = runConv(addon, asWasmBackend(args.backend), CONV_FORWARD, x, filter, bias, info.outShape);
        if (out) return out;
      }
    }
    return fallback(args);
  };
}

function makeConv2DBackpropInput(addon: NativeAddon, fallback: Fallback, depthwise = false) {
  return (args: KernelArgs) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const inputShape = args.attrs.inputShape as number[];
    if (allFloat32(dy, filter)) {
      const name = depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput';
      const info = convInfoFor(name, inputShape, filter.shape, args.attrs as unknown as ConvAttrs, depthwise);
      if (fillConvParams(info, false, depthwise) && dy.shape.every((d, i) => d === info.outShape[i])) {
        const out = runConv(addon, asWasmBackend(args.backend), CONV_BACKWARD_DATA, dy, filter, undefined, info.inShape);
        if (out) return out;
      }
    }
    return fallback(args);
  };
}

function makeConv2DBackpropFilter(addon: NativeAddon, fallback: Fallback, depthwise = false) {
  return (args: KernelArgs) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const filterShape = args.attrs.filterShape as number[];
    if (allFloat32(x, dy)) {
      const name = depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter';
      const info = convInfoFor(name, x.shape, filterShape, args.attrs as unknown as ConvAttrs, depthwise);
      if (fillConvParams(info, false, depthwise) && dy.shape.every((d, i) => d === info.outShape[i])) {
        const out = runConv(addon, asWasmBackend(args.backend), CONV_BACKWARD_WEIGHTS, x, dy, undefined, [...filterShape]);
        if (out) return out;
      }
    }
    return fallback(args);
  };
}

function makeBatchMatMul(addon: NativeAddon, fallback: Fallback) {
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transposeA = Boolean(args.attrs.transposeA);
    const transposeB = Boolean(args.attrs.transposeB);
    if (allFloat32(a, b) && a.shape.length >= 2 && b.shape.length >= 2) {
      const [ra, ca] = a.shape.slice(-2) as [number, number];
      const [rb, cb] = b.shape.slice(-2) as [number, number];
      const m = transposeA ? ca : ra;
      const k = transposeA ? ra : ca;
      const n = transposeB ? rb : cb;
      const kB = transposeB ? cb : rb;
      const outerA = a.shape.slice(0, -2);
      const outerB = b.shape.slice(0, -2);
      const batchA = sizeOf(outerA);
      const batchB = sizeOf(outerB);
      const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
      // One batch of 1 broadcasts over the other; other broadcasting patterns go to the fallback.
      if (k === kB && Math.min(m, n, k, batchA, batchB) >= 1 && (sameOuter || batchA === 1 || batchB === 1)) {
        const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
        const backend = asWasmBackend(args.backend);
        const out = backend.makeOutput([...outer, m, n], 'float32');
        matmulParams.set([batchA, batchB, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0]);
        if (addon.matmul(heapOf(backend), memoryOffset(backend, a), memoryOffset(backend, b), memoryOffset(backend, out), matmulParams)) return out;
        backend.disposeData(out.dataId);
      }
    }
    return fallback(args);
  };
}

const FACTORIES: Record<(typeof NATIVE_KERNEL_NAMES)[number], (addon: NativeAddon, fallback: Fallback) => (args: KernelArgs) => unknown> = {
  Conv2D: makeConv2D,
  FusedConv2D: makeFusedConv2D,
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Conv2DBackpropFilter: makeConv2DBackpropFilter,
  DepthwiseConv2dNative: (addon, fallback) => makeConv2D(addon, fallback, true),
  FusedDepthwiseConv2D: (addon, fallback) => makeFusedConv2D(addon, fallback, true),
  DepthwiseConv2dNativeBackpropInput: (addon, fallback) => makeConv2DBackpropInput(addon, fallback, true),
  BatchMatMul: makeBatchMatMul,
};

const installed = new Map<string, tf.KernelConfig>();

/**
 * Route the WASM backend's convolutions and matrix products through the native addon, and (unless
 * `fused` is false) register its fused activation, batch-norm and max-pool kernels. Call after the project's
 * WASM kernels are registered (they become the fallbacks). Idempotent.
 */
export function installNativeKernels(addon: NativeAddon, fused = true): string[] {
  for (const name of NATIVE_KERNEL_NAMES) {
    if (installed.has(name)) continue;
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    const fallback = original.kernelFunc as unknown as Fallback;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: FACTORIES[name](addon, fallback) as unknown as tf.KernelFunc });
    installed.set(name, original);
  }
  if (fused && fusedKernelsSource() !== 'native') installFusedKernels(addon, 'native');
  if (!fused) uninstallFusedKernels();
  return nativeKernelsInstalled();
}

/** Put the WASM kernels back (for tests and benchmarks that compare both). */
export function uninstallNativeKernels(): void {
  for (const [name, original] of installed) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  installed.clear();
  if (fusedKernelsSource() === 'native') uninstallFusedKernels();
}

/** The kernels currently routed to native code. */
export function nativeKernelsInstalled(): string[] {
  const fused = fusedKernelsSource() === 'native' ? FUSED_ACTIVATION_KERNELS.filter((name) => tf.getKernel(name, 'wasm')) : [];
  return [...installed.keys(), ...fused];
}
