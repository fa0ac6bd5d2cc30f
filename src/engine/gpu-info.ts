// What GPU stack native TensorFlow actually runs on. libtensorflow loads CUDA and cuDNN lazily, so the
// versions that matter are the shared libraries mapped into this process (after the backend has run an
// op), not whatever else is installed; the GPU's name and compute capability come from nvidia-smi.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface LoadedCudaLibraries {
  /** Version suffixes of the mapped libraries, e.g. { cudart: '11.2.152', cudnn: '8.1.1' }; absent when not loaded. */
  cudart?: string;
  cudnn?: string;
  cublas?: string;
  tensorflow?: string;
  /** Full paths, for the record. */
  paths: string[];
}

const LIBRARIES = ['cudart', 'cudnn', 'cublas', 'tensorflow'] as const;

/** Parse /proc/<pid>/maps text for CUDA, cuDNN, cuBLAS and libtensorflow shared objects. */
export function parseLoadedLibraries(maps: string): LoadedCudaLibraries {
  const found: LoadedCudaLibraries = { paths: [] };
  for (const line of maps.split('\n')) {
    const path = line.trim().split(/\s+/)[5];
    if (!path || !path.startsWith('/') || found.paths.includes(path)) continue;
    const file = path.slice(path.lastIndexOf('/') + 1);
    for (const lib of LIBRARIES) {
      const match = new RegExp(`^lib${lib}\\.so(?:\\.(\\d+(?:\\.\\d+)*))?$`).exec(file);
      if (!match) continue;
      found.paths.push(path);
      const version = match[1] ?? '';
      // Prefer the most specific version string (libcudnn.so.8.1.1 over libcudnn.so.8).
      if (version.length > (found[lib]?.length ?? -1)) found[lib] = version;
    }
  }
  return found;
}

export function loadedCudaLibraries(): LoadedCudaLibraries | undefined {
  try {
    return parseLoadedLibraries(readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    return undefined; // not Linux
  }
}

export interface GpuDevice {
  index: number;
  name: string;
  computeCapability: string;
  driver: string;
  memoryMiB: number;
}

/** Parse `nvidia-smi --query-gpu=index,name,compute_cap,driver_version,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): GpuDevice[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((f) => f.trim()))
    .filter((f) => f.length >= 5 && f[0] !== '')
    .map(([index, name, cap, driver, memory]) => ({ index: Number(index), name: name!, computeCapability: cap!, driver: driver!, memoryMiB: Number(memory) }));
}

export function gpuDevices(): GpuDevice[] | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index,name,compute_cap,driver_version,memory.total', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    return parseNvidiaSmi(out);
  } catch {
    return undefined; // no NVIDIA driver here
  }
}
