// The fused activation, batch-norm and max-pool kernels compiled to WebAssembly (native/fused_kernels.c, built by
// scripts/build-wasm-kernels.sh and committed), for the WASM backend when the native addon is not
// built. The module imports the tfjs WASM backend's own memory, so tensor offsets are its pointers and
// nothing is copied; per-channel scratch is malloc'd in that heap for the duration of a call.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FusedImplementation } from './native_activations.js';
import type { WasmBackend } from './wasm_backend.js';

/** The WebAssembly JS API as used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => object;
}

interface FusedExports {
  swish_forward(x: number, y: number, count: number, beta: number): void;
  swish_backward(dy: number, x: number, dx: number, count: number, beta: number): void;
  ash_forward(x: number, y: number, stats: number, b: number, n: number, c: number, z: number, alpha: number, eps: number, scratch: number): void;
  ash_backward(dy: number, x: number, stats: number, dx: number, b: number, n: number, c: number, z: number, alpha: number, stop: number, scratch: number, out: number): void;
  batch_norm_forward(x: number, gamma: number, beta: number, y: number, stats: number, rows: number, c: number, eps: number, scratch: number): void;
  batch_norm_backward(dy: number, x: number, stats: number, gamma: number, dx: number, dGamma: number, dBeta: number, rows: number, c: number, scratch: number): void;
  max_pool_forward(
    x: number, y: number, argmax: number, n: number, h: number, w: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, padTop: number, padLeft: number,
  ): void;
  max_pool_backward(dy: number, argmax: number, dx: number, outCount: number, inCount: number): void;
}

/** What of the Emscripten module this needs beyond WasmBackend's view of it. */
interface EmscriptenHeap {
  asm?: { memory?: object };
  _malloc?(bytes: number): number;
  _free?(pointer: number): void;
  HEAPF64?: Float64Array;
}

export const WASM_FUSED_PATH = fileURLToPath(new URL('../../../native/wasm/fused.wasm', import.meta.url));

let compiled: object | undefined;

/**
 * The fused kernels on `backend`'s heap, or a reason why not (no SIMD, or a backend build that does not
 * expose its memory or allocator).
 */
export function loadWasmFused(backend: WasmBackend): { impl: FusedImplementation } | { reason: string } {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const em = backend.wasm as unknown as EmscriptenHeap;
  const memory = em.asm?.memory;
  if (!(memory instanceof api.Memory) || typeof em._malloc !== 'function' || typeof em._free !== 'function') {
    return { reason: "the WASM backend does not expose its memory and allocator (tfjs build changed?)" };
  }
  const malloc = em._malloc.bind(em);
  const free = em._free.bind(em);
  let exports: FusedExports;
  try {
    compiled ??= new api.Module(readFileSync(WASM_FUSED_PATH));
    exports = new api.Instance(compiled, { env: { memory } }).exports as unknown as FusedExports;
  } catch (err) {
    return { reason: `${WASM_FUSED_PATH} did not load: ${(err as Error).message}` };
  }
  /** Run `body` with `bytes` of scratch in the tfjs heap. */
  const withScratch = <T>(bytes: number, body: (pointer: number) => T): T => {
    const pointer = malloc(Math.max(16, bytes));
    try {
      return body(pointer);
    } finally {
      free(pointer);
    }
  };
  const impl: FusedImplementation = {
    swish(kind, _heap, a, b, c, count, beta) {
      if (kind === 0) exports.swish_forward(a, c, count, beta);
      else exports.swish_backward(a, b, c, count, beta);
      return true;
    },
    ashForward(_heap, x, y, stats, p) {
      const [batch, n, channels, z, alpha, epsilon] = p as unknown as number[];
      withScratch(16 * channels!, (s) => exports.ash_forward(x, y, stats, batch!, n!, channels!, z!, alpha!, epsilon!, s));
      return true;
    },
    ashBackward(_heap, dy, x, stats, dx, p) {
      const [batch, n, channels, z, alpha, stop] = p as unknown as number[];
      return withScratch(24 * channels! + 16, (s) => {
        const out = s + 24 * channels!;
        exports.ash_backward(dy, x, stats, dx, batch!, n!, channels!, z!, alpha!, stop!, s, out);
        // Read after the call: HEAPF64 is replaced when the heap grows, so take it now.
        const heap = em.HEAPF64!;
        return [heap[out / 8]!, heap[out / 8 + 1]!];
      });
    },
    batchNormForward(_heap, x, gamma, beta, y, stats, p) {
      const [rows, channels, epsilon] = p as unknown as number[];
      withScratch(24 * channels!, (s) => exports.batch_norm_forward(x, gamma, beta, y, stats, rows!, channels!, epsilon!, s));
      return true;
    },
    batchNormBackward(_heap, dy, x, stats, gamma, dx, dGamma, dBeta, p) {
      const [rows, channels] = p as unknown as number[];
      withScratch(40 * channels!, (s) => exports.batch_norm_backward(dy, x, stats, gamma, dx, dGamma, dBeta, rows!, channels!, s));
      return true;
    },
    maxPoolForward(_heap, x, y, argmax, p) {
      const [n, h, w, c, oh, ow, kh, kw, sh, sw, padTop, padLeft] = p as unknown as number[];
      exports.max_pool_forward(x, y, argmax, n!, h!, w!, c!, oh!, ow!, kh!, kw!, sh!, sw!, padTop!, padLeft!);
      return true;
    },
    maxPoolBackward(_heap, dy, argmax, dx, p) {
      exports.max_pool_backward(dy, argmax, dx, p[0]!, p[1]!);
      return true;
    },
  };
  return { impl };
}
