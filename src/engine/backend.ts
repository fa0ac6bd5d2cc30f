// Backend choice and initialisation.
//
// auto prefers native TensorFlow (tfjs-node-gpu, then tfjs-node: optional peer dependencies that are
// imported only when installed), then WASM. The pure-JS cpu backend is about 1000x slower than PyTorch
// for training, so it is used only when asked for by name.
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { UserError, unknownName } from './errors.js';
import { registerWasmTrainingKernels } from './kernels/index.js';
import { installNativeKernels, uninstallNativeKernels } from './kernels/native_kernels.js';
import { installFusedKernels, uninstallFusedKernels } from './kernels/native_activations.js';
import { loadWasmFused } from './kernels/wasm_fused.js';
import { loadNativeKernels } from './native.js';
import { asWasmBackend } from './kernels/wasm_backend.js';

import { BACKEND_CHOICES, type BackendChoice } from '../contract/spec.js';

export { BACKEND_CHOICES, type BackendChoice };

/** What `initEngine` chose and how it runs. */
export interface EngineInfo {
  /** The choice that is running: tensorflow-gpu, tensorflow, wasm or cpu. */
  name: Exclude<BackendChoice, 'auto'>;
  /** tfjs's own backend name (tensorflow, wasm, cpu). */
  tfBackend: string;
  simd?: boolean;
  threads?: boolean;
  /** WASM only: the kernels running natively in oneDNN on the WASM heap (see native.ts), if any. */
  nativeKernels?: { oneDnn: string; threads: number; kernels: string[] };
  /** WASM only: why no kernels run natively (not built, disabled, or turned off by the caller). */
  nativeKernelsUnavailable?: string;
  /** WASM only: where the fused Swish/ASH/batch-norm/max-pool kernels run (native addon, or the project's WebAssembly). */
  fusedKernels?: 'native' | 'wasm';
  /** WASM only: why activations and batch norm run as composed tfjs ops instead. */
  fusedKernelsUnavailable?: string;
  versions: Record<string, string>;
}

const require = createRequire(import.meta.url);

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

/** Is the npm package installed where this module can resolve it? */
export function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function packageVersion(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Which backends could run here, without initialising any. */
export function availableBackends(): Exclude<BackendChoice, 'auto'>[] {
  const found: Exclude<BackendChoice, 'auto'>[] = [];
  if (isInstalled(NATIVE_PACKAGES['tensorflow-gpu'])) found.push('tensorflow-gpu');
  if (isInstalled(NATIVE_PACKAGES.tensorflow)) found.push('tensorflow');
  found.push('wasm', 'cpu');
  return found;
}

/** Why `choice` cannot run on this machine (its package is not installed), or undefined when it can. */
export function backendUnavailable(choice: BackendChoice): string | undefined {
  if (choice !== 'tensorflow-gpu' && choice !== 'tensorflow') return undefined;
  const pkg = NATIVE_PACKAGES[choice];
  if (isInstalled(pkg)) return undefined;
  return `backend '${choice}' needs the package ${pkg}, which is not installed (npm install ${pkg}@4.22.0, or use backend: wasm)`;
}

export function parseBackendChoice(name: string): BackendChoice {
  if (!(BACKEND_CHOICES as readonly string[]).includes(name)) throw unknownName('backend', name, BACKEND_CHOICES);
  return name as BackendChoice;
}

let current: EngineInfo | undefined;

/** The engine `initEngine` set up, if any. */
export function currentEngine(): EngineInfo | undefined {
  return current;
}

async function initNative(choice: 'tensorflow-gpu' | 'tensorflow'): Promise<void> {
  const pkg = NATIVE_PACKAGES[choice];
  if (!isInstalled(pkg)) {
    throw new UserError(
      `backend '${choice}' needs ${pkg}, which is not installed. Install it with \`npm install ${pkg}@4.22.0\` ` +
        `(it downloads libtensorflow${choice === 'tensorflow-gpu' ? ' for CUDA 11.2 / cuDNN 8.1' : ''} while installing), ` +
        `or choose --backend wasm, which works offline.`,
    );
  }
  // Both packages register a backend called 'tensorflow' in the tfjs-core they depend on; with the pinned
  // 4.22.0 versions npm dedupes that to our own tfjs-core, so the registration lands in our engine.
  await import(pkg);
  if (!tf.findBackend('tensorflow')) {
    throw new UserError(
      `${pkg} loaded but did not register a 'tensorflow' backend in ash-bench's tfjs-core ` +
        `(${packageVersion('@tensorflow/tfjs-core')}); install ${pkg} at the same version as @tensorflow/tfjs-core.`,
    );
  }
  await tf.setBackend('tensorflow');
}

type WasmKernelInfo = Pick<EngineInfo, 'nativeKernels' | 'nativeKernelsUnavailable' | 'fusedKernels' | 'fusedKernelsUnavailable'>;

async function initWasm(useNativeKernels: boolean, useFusedKernels: boolean): Promise<WasmKernelInfo> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  let native: WasmKernelInfo;
  if (!useNativeKernels) {
    uninstallNativeKernels();
    native = { nativeKernelsUnavailable: 'turned off by the caller' };
  } else {
    const loaded = loadNativeKernels();
    native = loaded.loaded
      ? { nativeKernels: { oneDnn: loaded.oneDnn, threads: loaded.threads, kernels: installNativeKernels(loaded.addon, useFusedKernels) } }
      : { nativeKernelsUnavailable: loaded.reason };
  }
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('the WASM backend failed to initialise');
  const backend = asWasmBackend(tf.backend());
  // The native kernels address the heap through a plain ArrayBuffer; a threaded WASM build's heap is a
  // SharedArrayBuffer, which they refuse, so there the WASM kernels stay.
  if (native.nativeKernels && !(backend.wasm.HEAPF32.buffer instanceof ArrayBuffer)) {
    uninstallNativeKernels();
    native = { nativeKernelsUnavailable: 'the WASM heap is shared (threaded WASM build); native kernels need a plain ArrayBuffer' };
  }
  if (!useFusedKernels) {
    uninstallFusedKernels();
    return { ...native, fusedKernelsUnavailable: 'turned off (ASH_FUSED_KERNELS=0 or by the caller)' };
  }
  if (native.nativeKernels) return { ...native, fusedKernels: 'native' };
  // No addon: the same fused kernels in WebAssembly, on this backend's heap.
  const wasmFused = loadWasmFused(backend);
  if ('reason' in wasmFused) {
    uninstallFusedKernels();
    return { ...native, fusedKernelsUnavailable: wasmFused.reason };
  }
  installFusedKernels(wasmFused.impl, 'wasm');
  return { ...native, fusedKernels: 'wasm' };
}

/**
 * Pick and initialise a backend. Safe to call again: switching backends re-initialises.
 * `auto` tries tensorflow-gpu, tensorflow, then wasm.
 */
export async function initEngine(
  options: { backend?: BackendChoice | string; nativeKernels?: boolean; fusedKernels?: boolean } = {},
): Promise<EngineInfo> {
  const useNativeKernels = options.nativeKernels ?? true;
  const useFusedKernels = options.fusedKernels ?? process.env.ASH_FUSED_KERNELS !== '0';
  let native: WasmKernelInfo = {};
  const choice = parseBackendChoice(options.backend ?? 'auto');
  let name: EngineInfo['name'];
  if (choice === 'auto') {
    name = availableBackends()[0]!;
  } else {
    name = choice;
  }
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    try {
      await initNative(name);
    } catch (err) {
      if (choice !== 'auto') throw err;
      // auto: a native package that is present but broken (missing libcuda, say) falls back to WASM.
      name = 'wasm';
      native = await initWasm(useNativeKernels, useFusedKernels);
    }
  } else if (name === 'wasm') {
    native = await initWasm(useNativeKernels, useFusedKernels);
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  const versions: Record<string, string> = { node: process.versions.node };
  for (const pkg of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', ...Object.values(NATIVE_PACKAGES)]) {
    const v = packageVersion(pkg);
    if (v) versions[pkg] = v;
  }
  current = { name, tfBackend: tf.getBackend(), versions };
  if (name === 'wasm') {
    current.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') as boolean;
    current.threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') as boolean;
    Object.assign(current, native);
  }
  return current;
}

/** One line for logs: 'wasm (SIMD) + native oneDNN 2.6.3 kernels, 2 threads', 'tensorflow', ... */
export function describeEngine(engine: EngineInfo): string {
  if (engine.name !== 'wasm') return engine.name;
  const base = `wasm${engine.simd ? ' (SIMD)' : ''}`;
  const native = engine.nativeKernels;
  if (native) return `${base} + native oneDNN ${native.oneDnn} kernels, ${native.threads} thread${native.threads === 1 ? '' : 's'}`;
  return `${base}, ${engine.fusedKernels === 'wasm' ? 'fused WebAssembly activation/batch-norm/max-pool kernels' : 'composed kernels'}, no native kernels`;
}
