// The optional native kernels (native/ash_native.cc, oneDNN), loaded when they were built.
//
// They are an accelerator for the WASM backend, never a requirement: `bash scripts/build-native.sh`
// (run by scripts/setup.sh when libdnnl-dev and g++ are there) builds native/build/ash_native.node;
// without it, or with ASH_NATIVE_KERNELS=0, every kernel runs in WASM as before.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { UserError } from './errors.js';

/** The addon's interface (see native/ash_native.cc for the argument layouts). */
export interface NativeAddon {
  conv2d(kind: 0 | 1 | 2, heap: ArrayBufferLike, a: number, b: number, c: number, bias: number, params: Int32Array): boolean;
  matmul(heap: ArrayBufferLike, a: number, b: number, c: number, params: Int32Array): boolean;
  swish(kind: 0 | 1, heap: ArrayBufferLike, a: number, b: number, c: number, count: number, beta: number): boolean;
  ashForward(heap: ArrayBufferLike, x: number, y: number, stats: number, params: Float64Array): boolean;
  /** Returns [dL/dz, dL/dalpha]. */
  ashBackward(heap: ArrayBufferLike, dy: number, x: number, stats: number, dx: number, params: Float64Array): [number, number];
  batchNormForward(heap: ArrayBufferLike, x: number, gamma: number, beta: number, y: number, stats: number, params: Float64Array): boolean;
  batchNormBackward(
    heap: ArrayBufferLike, dy: number, x: number, stats: number, gamma: number, dx: number, dGamma: number, dBeta: number, params: Float64Array,
  ): boolean;
  /** params: [N, H, W, C, OH, OW, KH, KW, SH, SW, padTop, padLeft]; argmax: int32 [N, OH, OW, C], flat indices into x. */
  maxPoolForward(heap: ArrayBufferLike, x: number, y: number, argmax: number, params: Float64Array): boolean;
  /** params: [outCount, inCount]. */
  maxPoolBackward(heap: ArrayBufferLike, dy: number, argmax: number, dx: number, params: Float64Array): boolean;
  setThreads(n: number): void;
  threads(): number;
  version(): string;
}

export type NativeStatus =
  | { loaded: true; addon: NativeAddon; path: string; oneDnn: string; threads: number }
  | { loaded: false; reason: string };

/** Where scripts/build-native.sh writes the addon (relative to this file in src/ and in dist/). */
export const NATIVE_ADDON_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/build/ash_native.node');

let status: NativeStatus | undefined;

/** Threads for native kernels: ASH_NATIVE_THREADS, else every core (the sweep runner sets it per job). */
export function nativeThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ASH_NATIVE_THREADS;
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`ASH_NATIVE_THREADS must be a positive integer, got '${raw}'`);
  }
  return n;
}

/** Load the addon once (idempotent); says why not when it cannot be used. */
export function loadNativeKernels(env: NodeJS.ProcessEnv = process.env): NativeStatus {
  if (status) return status;
  if (env.ASH_NATIVE_KERNELS === '0') {
    status = { loaded: false, reason: 'disabled by ASH_NATIVE_KERNELS=0' };
  } else if (!existsSync(NATIVE_ADDON_PATH)) {
    status = { loaded: false, reason: 'not built (bash scripts/build-native.sh; needs g++ and libdnnl-dev)' };
  } else {
    // A bad ASH_NATIVE_THREADS is the user's to fix, not a reason to fall back quietly.
    const threads = nativeThreadsFromEnv(env);
    try {
      const raw = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
      // A plain object over the addon's (read-only) exports, so that tests can observe calls.
      const addon: NativeAddon = {
        conv2d: raw.conv2d,
        matmul: raw.matmul,
        swish: raw.swish,
        ashForward: raw.ashForward,
        ashBackward: raw.ashBackward,
        batchNormForward: raw.batchNormForward,
        batchNormBackward: raw.batchNormBackward,
        maxPoolForward: raw.maxPoolForward,
        maxPoolBackward: raw.maxPoolBackward,
        setThreads: raw.setThreads,
        threads: raw.threads,
        version: raw.version,
      };
      addon.setThreads(threads);
      status = { loaded: true, addon, path: NATIVE_ADDON_PATH, oneDnn: addon.version(), threads: addon.threads() };
    } catch (err) {
      status = { loaded: false, reason: `failed to load ${NATIVE_ADDON_PATH}: ${(err as Error).message}` };
    }
  }
  return status;
}
