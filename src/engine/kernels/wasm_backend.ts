// The small part of tfjs-backend-wasm's BackendWasm that the project's kernels rely on, and helpers to
// compose kernels from the ones the WASM backend already has.
//
// Composed kernels call other kernels' kernelFunc directly (not through the engine), so intermediates
// are plain TensorInfos that nobody tracks: each must be released with `release`. Data stays inside
// WASM memory throughout; nothing is read back into JS arrays except through `heapF32` views.
import { tf } from '../tf.js';

/** What the kernels use of tfjs-backend-wasm's BackendWasm (a structural subset, checked at runtime). */
export interface WasmBackend {
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number; id: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  numDataIds(): number;
  /** The Emscripten module; `asm` holds its exports, among them the memory (absent in some builds). */
  wasm: { HEAPF32: Float32Array; asm?: { memory?: { readonly buffer: ArrayBufferLike } } };
}

export function asWasmBackend(backend: unknown): WasmBackend {
  const b = backend as Partial<WasmBackend> | null;
  if (!b || typeof b.makeOutput !== 'function' || !b.dataIdMap || !b.wasm?.HEAPF32) {
    throw new Error('the project WASM kernels need the tfjs WASM backend (BackendWasm); got another backend object');
  }
  return b as WasmBackend;
}

/** Run a kernel the WASM backend registered, returning its raw TensorInfo (caller releases it). */
export function runWasmKernel(
  backend: WasmBackend,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[],
  attrs: Record<string, unknown> = {},
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, 'wasm');
  if (!config) throw new Error(`the WASM backend has no '${kernelName}' kernel, which the project kernels build on`);
  const out = config.kernelFunc({
    inputs: inputs as unknown as tf.NamedTensorInfoMap,
    backend: backend as unknown as tf.KernelBackend,
    attrs: attrs as tf.NamedAttrMap,
  });
  if (Array.isArray(out)) throw new Error(`kernel '${kernelName}' returned several outputs; one was expected`);
  return out;
}

export function release(backend: WasmBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** total + part, releasing both (total may be undefined: then part is the sum). */
export function addInto(backend: WasmBackend, total: tf.TensorInfo | undefined, part: tf.TensorInfo): tf.TensorInfo {
  if (total === undefined) return part;
  const sum = runWasmKernel(backend, 'Add', { a: total, b: part });
  release(backend, total, part);
  return sum;
}

/** Reinterpret a tensor under another shape (same data, one more reference: release it too). */
export function reshapeInfo(backend: WasmBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runWasmKernel(backend, 'Reshape', { x }, { shape });
}

export function transposeInfo(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Byte offset of a tensor's data in the WASM heap (its pointer, for code that works on the heap in place). */
export function memoryOffset(backend: WasmBackend, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/**
 * A Float32Array view of a float32 tensor's data in the WASM heap. Take it right before use: any
 * allocation may grow the heap, which detaches earlier views.
 */
export function heapF32(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  const heap = backend.wasm.HEAPF32;
  const offset = memoryOffset(backend, info);
  return new Float32Array(heap.buffer, offset, sizeOf(info.shape));
}

/** A new tensor holding elements [start, start + size) of `x` in row-major order (one memcpy). */
export function copyRange(backend: WasmBackend, x: tf.TensorInfo, start: number, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const heap = backend.wasm.HEAPF32;
  const src = backend.dataIdMap.get(x.dataId).memoryOffset / 4 + start;
  const dst = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  heap.copyWithin(dst, src, src + sizeOf(shape));
  return out;
}

export function assertFloat32(kernelName: string, inputs: Record<string, tf.TensorInfo>): void {
  for (const [name, info] of Object.entries(inputs)) {
    if (info.dtype !== 'float32') {
      throw new Error(`${kernelName} (project WASM kernel): input '${name}' must be float32, got ${info.dtype}`);
    }
  }
}
