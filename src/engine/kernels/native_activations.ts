// Fused Swish, smooth ASH, batch-norm and max-pool kernels as WASM-backend kernels of the project's own names,
// implemented by one source, native/fused_kernels.c: natively through the addon, or as WebAssembly
// (native/wasm/fused.wasm, wasm_fused.ts) when the addon is not built.
//
// The activation layers and batch norm call these through `tf.engine().runKernel` inside their
// tf.customGrad when the current backend has them (src/activations/fused.ts, src/models/batch-norm.ts),
// and compose tfjs ops otherwise. Swish forward + backward is 2 kernels instead of ~6, smooth ASH 2
// instead of ~25, batch norm 2 instead of ~20; max pooling (src/models/max-pool.ts) 2 instead of
// 3 k^2 + 1 forward and about twice that backward.
import { tf } from '../tf.js';
import type { NativeAddon } from '../native.js';
import { asWasmBackend, heapF32, memoryOffset, sizeOf, type WasmBackend } from './wasm_backend.js';
import { poolAxis, type PoolPadding } from './pool_geometry.js';

/**
 * What implements the fused kernels: the native addon, or the WebAssembly module (wasm_fused.ts). The
 * max-pool pair is optional: an addon built before it existed lacks it, and max pooling then stays composed.
 */
export type FusedImplementation = Pick<NativeAddon, 'swish' | 'ashForward' | 'ashBackward' | 'batchNormForward' | 'batchNormBackward'> &
  Partial<Pick<NativeAddon, 'maxPoolForward' | 'maxPoolBackward'>>;

export const FUSED_SWISH = 'AshBenchSwish';
export const FUSED_SWISH_GRAD = 'AshBenchSwishGrad';
export const FUSED_ASH = 'AshBenchAsh';
export const FUSED_ASH_GRAD = 'AshBenchAshGrad';
export const FUSED_BATCH_NORM = 'AshBenchBatchNorm';
export const FUSED_BATCH_NORM_GRAD = 'AshBenchBatchNormGrad';
/** Max pooling, NHWC: outputs y and an int32 argmax (flat index into x); attrs kernelSize, stride, padding. */
export const FUSED_MAX_POOL = 'AshBenchMaxPool2d';
/** Its gradient from dy and the argmax; attrs inputShape. */
export const FUSED_MAX_POOL_GRAD = 'AshBenchMaxPool2dGrad';
/** Whether the current backend has the fused `kernel` and every input is float32 (activations and batch norm ask before using one). */
export function fusedKernelAvailable(kernel: string, ...inputs: tf.Tensor[]): boolean {
  return inputs.every((t) => t.dtype === 'float32') && tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

export const FUSED_ACTIVATION_KERNELS = [
  FUSED_SWISH,
  FUSED_SWISH_GRAD,
  FUSED_ASH,
  FUSED_ASH_GRAD,
  FUSED_BATCH_NORM,
  FUSED_BATCH_NORM_GRAD,
  FUSED_MAX_POOL,
  FUSED_MAX_POOL_GRAD,
] as const;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

const scalarOf = (backend: WasmBackend, info: tf.TensorInfo) => heapF32(backend, info)[0]!;

function requireFloat32(kernel: string, inputs: Record<string, tf.TensorInfo>): void {
  for (const [name, info] of Object.entries(inputs)) {
    if (info.dtype !== 'float32') throw new Error(`${kernel}: input '${name}' must be float32, got ${info.dtype}`);
  }
}

/** [B, N] or [B, N, C] as B, N, C. */
function groups(kernel: string, shape: number[]): [number, number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!, 1];
  if (shape.length === 3) return [shape[0]!, shape[1]!, shape[2]!];
  throw new Error(`${kernel}: x must be [B, N] or [B, N, C], got [${shape.join(', ')}]`);
}

const ashParams = new Float64Array(6);
const bnParams = new Float64Array(3);
const poolParams = new Float64Array(12);
const poolGradParams = new Float64Array(2);

/** [..., C] as M rows of C channels. */
function rowsOf(shape: number[]): [number, number] {
  const channels = shape[shape.length - 1]!;
  return [sizeOf(shape) / channels, channels];
}

export function fusedActivationConfigs(addon: FusedImplementation): tf.KernelConfig[] {
  const swish = ({ inputs, backend: b, attrs }: KernelArgs) => {
    const { x } = inputs as { x: tf.TensorInfo };
    requireFloat32(FUSED_SWISH, { x });
    const backend = asWasmBackend(b);
    const y = backend.makeOutput([...x.shape], 'float32');
    addon.swish(0, backend.wasm.HEAPF32.buffer, memoryOffset(backend, x), 0, memoryOffset(backend, y), sizeOf(x.shape), attrs.beta as number);
    return y;
  };
  const swishGrad = ({ inputs, backend: b, attrs }: KernelArgs) => {
    const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    requireFloat32(FUSED_SWISH_GRAD, { dy, x });
    const backend = asWasmBackend(b);
    const dx = backend.makeOutput([...x.shape], 'float32');
    addon.swish(1, backend.wasm.HEAPF32.buffer, memoryOffset(backend, dy), memoryOffset(backend, x), memoryOffset(backend, dx), sizeOf(x.shape), attrs.beta as number);
    return dx;
  };
  const ash = ({ inputs, backend: b, attrs }: KernelArgs) => {
    const { x, z, alpha } = inputs as { x: tf.TensorInfo; z: tf.TensorInfo; alpha: tf.TensorInfo };
    requireFloat32(FUSED_ASH, { x, z, alpha });
    const [batch, n, channels] = groups(FUSED_ASH, x.shape);
    const backend = asWasmBackend(b);
    const y = backend.makeOutput([...x.shape], 'float32');
    const stats = backend.makeOutput([2, batch, channels], 'float32');
    ashParams.set([batch, n, channels, scalarOf(backend, z), scalarOf(backend, alpha), attrs.epsilon as number]);
    addon.ashForward(backend.wasm.HEAPF32.buffer, memoryOffset(backend, x), memoryOffset(backend, y), memoryOffset(backend, stats), ashParams);
    return [y, stats];
  };
  const ashGrad = ({ inputs, backend: b, attrs }: KernelArgs) => {
    const { dy, x, stats, z, alpha } = inputs as Record<'dy' | 'x' | 'stats' | 'z' | 'alpha', tf.TensorInfo>;
    requireFloat32(FUSED_ASH_GRAD, { dy, x, stats, z, alpha });
    const [batch, n, channels] = groups(FUSED_ASH_GRAD, x.shape);
    const backend = asWasmBackend(b);
    const dx = backend.makeOutput([...x.shape], 'float32');
    const dz = backend.makeOutput([], 'float32');
    const dAlpha = backend.makeOutput([], 'float32');
    ashParams.set([batch, n, channels, scalarOf(backend, z), scalarOf(backend, alpha), attrs.stopStatsGradient ? 1 : 0]);
    const heap = backend.wasm.HEAPF32.buffer;
    const [gz, ga] = addon.ashBackward(heap, memoryOffset(backend, dy), memoryOffset(backend, x), memoryOffset(backend, stats), memoryOffset(backend, dx), ashParams);
    heapF32(backend, dz)[0] = gz;
    heapF32(backend, dAlpha)[0] = ga;
    return [dx, dz, dAlpha];
  };
  // Training-mode batch norm over every axis but the last (src/models/batch-norm.ts).
  const batchNorm = ({ inputs, backend: b, attrs }: KernelArgs) => {
    const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
    requireFloat32(FUSED_BATCH_NORM, { x, gamma, beta });
    const [rows, channels] = rowsOf(x.shape);
    const backend = asWasmBackend(b);
    const y = backend.makeOutput([...x.shape], 'float32');
    const stats = backend.makeOutput([3, channels], 'float32');
    bnParams.set([rows, channels, attrs.epsilon as number]);
    const o = (info: tf.TensorInfo) => memoryOffset(backend, info);
    addon.batchNormForward(backend.wasm.HEAPF32.buffer, o(x), o(gamma), o(beta), o(y), o(stats), bnParams);
    return [y, stats];
  };
  const batchNormGrad = ({ inputs, backend: b }: KernelArgs) => {
    const { dy, x, stats, gamma } = inputs as Record<'dy' | 'x' | 'stats' | 'gamma', tf.TensorInfo>;
    requireFloat32(FUSED_BATCH_NORM_GRAD, { dy, x, stats, gamma });
    const [rows, channels] = rowsOf(x.shape);
    const backend = asWasmBackend(b);
    const dx = backend.makeOutput([...x.shape], 'float32');
    const dGamma = backend.makeOutput([channels], 'float32');
    const dBeta = backend.makeOutput([channels], 'float32');
    bnParams.set([rows, channels, 0]);
    const o = (info: tf.TensorInfo) => memoryOffset(backend, info);
    addon.batchNormBackward(backend.wasm.HEAPF32.buffer, o(dy), o(x), o(stats), o(gamma), o(dx), o(dGamma), o(dBeta), bnParams);
    return [dx, dGamma, dBeta];
  };
  const config = (kernelName: string, kernelFunc: (args: KernelArgs) => unknown): tf.KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  });
  const configs = [
    config(FUSED_SWISH, swish),
    config(FUSED_SWISH_GRAD, swishGrad),
    config(FUSED_ASH, ash),
    config(FUSED_ASH_GRAD, ashGrad),
    config(FUSED_BATCH_NORM, batchNorm),
    config(FUSED_BATCH_NORM_GRAD, batchNormGrad),
  ];
  const { maxPoolForward, maxPoolBackward } = addon;
  if (typeof maxPoolForward !== 'function' || typeof maxPoolBackward !== 'function') return configs;
  // Max pooling of x [N, H, W, C] with a square window (src/models/max-pool.ts); see fused_kernels.c.
  const maxPool = ({ inputs, backend: b, attrs }: KernelArgs) => {
    const { x } = inputs as { x: tf.TensorInfo };
    requireFloat32(FUSED_MAX_POOL, { x });
    if (x.shape.length !== 4) throw new Error(`${FUSED_MAX_POOL}: x must be [N, H, W, C], got [${x.shape.join(', ')}]`);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const kernel = attrs.kernelSize as number;
    const stride = attrs.stride as number;
    const padding = attrs.padding as PoolPadding;
    const rows = poolAxis(h, kernel, stride, padding);
    const cols = poolAxis(w, kernel, stride, padding);
    if (!(rows.out >= 1 && cols.out >= 1)) throw new Error(`${FUSED_MAX_POOL}: a ${kernel}x${kernel} window does not fit a ${h}x${w} input`);
    const backend = asWasmBackend(b);
    const y = backend.makeOutput([n, rows.out, cols.out, c], 'float32');
    const argmax = backend.makeOutput([n, rows.out, cols.out, c], 'int32');
    if (n * c === 0) return [y, argmax];
    poolParams.set([n, h, w, c, rows.out, cols.out, kernel, kernel, stride, stride, rows.before, cols.before]);
    const o = (info: tf.TensorInfo) => memoryOffset(backend, info);
    maxPoolForward(backend.wasm.HEAPF32.buffer, o(x), o(y), o(argmax), poolParams);
    return [y, argmax];
  };
  const maxPoolGrad = ({ inputs, backend: b, attrs }: KernelArgs) => {
    const { dy, argmax } = inputs as { dy: tf.TensorInfo; argmax: tf.TensorInfo };
    requireFloat32(FUSED_MAX_POOL_GRAD, { dy });
    if (argmax.dtype !== 'int32') throw new Error(`${FUSED_MAX_POOL_GRAD}: input 'argmax' must be int32, got ${argmax.dtype}`);
    const inputShape = attrs.inputShape as number[];
    const outCount = sizeOf(dy.shape);
    if (sizeOf(argmax.shape) !== outCount) throw new Error(`${FUSED_MAX_POOL_GRAD}: argmax [${argmax.shape.join(', ')}] does not match dy [${dy.shape.join(', ')}]`);
    const backend = asWasmBackend(b);
    const dx = backend.makeOutput([...inputShape], 'float32');
    const inCount = sizeOf(inputShape);
    if (inCount === 0) return dx;
    if (outCount === 0) {
      heapF32(backend, dx).fill(0);
      return dx;
    }
    poolGradParams.set([outCount, inCount]);
    const o = (info: tf.TensorInfo) => memoryOffset(backend, info);
    maxPoolBackward(backend.wasm.HEAPF32.buffer, o(dy), o(argmax), o(dx), poolGradParams);
    return dx;
  };
  return [...configs, config(FUSED_MAX_POOL, maxPool), config(FUSED_MAX_POOL_GRAD, maxPoolGrad)];
}

let installedSource: 'native' | 'wasm' | undefined;

/** Register the fused kernels from one implementation (replacing any from the other). */
export function installFusedKernels(impl: FusedImplementation, source: 'native' | 'wasm'): void {
  uninstallFusedKernels();
  for (const config of fusedActivationConfigs(impl)) tf.registerKernel(config);
  installedSource = source;
}

export function uninstallFusedKernels(): void {
  if (installedSource === undefined) return;
  for (const name of FUSED_ACTIVATION_KERNELS) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  installedSource = undefined;
}

/** Which implementation the fused kernels run, if registered. */
export function fusedKernelsSource(): 'native' | 'wasm' | undefined {
  return installedSource;
}
