// The environment variables ash reads, for `ash --help` (keep in step with `grep -rn "env.ASH_" src`).
export const ENVIRONMENT_VARIABLES: readonly { name: string; meaning: string }[] = [
  { name: 'ASH_NATIVE_KERNELS', meaning: '0 turns off the native oneDNN kernels (WASM kernels only)' },
  { name: 'ASH_FUSED_KERNELS', meaning: '0 turns off the fused ASH / Swish / batch-norm / max-pool kernels (tfjs ops composed)' },
  { name: 'ASH_NATIVE_THREADS', meaning: 'native kernel threads (default: all cores; a sweep job: cores / jobs)' },
  { name: 'ASH_CACHE_DIR', meaning: 'decoded-dataset cache (default: .cache/ash-bench under the working directory)' },
  { name: 'ASH_BENCH_PYTHON', meaning: 'python with torch for the PyTorch reference of ash bench (default: python3)' },
  { name: 'ASH_BENCH_TIMING', meaning: 'set: ash train prints start-up timings on stderr (used by ash bench)' },
  { name: 'CUDA_VISIBLE_DEVICES', meaning: 'GPUs tensorflow-gpu may use (ash sweep --gpus sets it per job)' },
];

export function environmentEpilogue(): string {
  const width = Math.max(...ENVIRONMENT_VARIABLES.map((v) => v.name.length));
  return ['Environment variables:', ...ENVIRONMENT_VARIABLES.map((v) => `  ${v.name.padEnd(width)}  ${v.meaning}`)].join('\n');
}
