import type { CommandModule } from 'yargs';
import { availableBackends, BACKEND_CHOICES, initEngine, isInstalled } from '../engine/backend.js';
import { tf } from '../engine/tf.js';
import { gpuDevices, loadedCudaLibraries } from '../engine/gpu-info.js';

interface DoctorArgs {
  backend: string;
  json: boolean;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'Show which backends are installed, which one auto picks, and how it runs',
  builder: (y) =>
    y
      .option('backend', { choices: BACKEND_CHOICES, default: 'auto', describe: 'backend to initialise (auto: the first available of tensorflow-gpu, tensorflow, wasm)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .example('ash doctor', 'installed backends, the one auto picks, SIMD / threads / native kernels')
      .example('ash doctor --backend cpu --json', 'initialise the pure-JS backend, machine-readable') as never,
  handler: async (args) => {
    const installed = {
      '@tensorflow/tfjs-node-gpu': isInstalled('@tensorflow/tfjs-node-gpu'),
      '@tensorflow/tfjs-node': isInstalled('@tensorflow/tfjs-node'),
    };
    const engine = await initEngine({ backend: args.backend });
    let gpu: { devices?: ReturnType<typeof gpuDevices>; loaded?: ReturnType<typeof loadedCudaLibraries> } | undefined;
    if (engine.name === 'tensorflow-gpu' || engine.name === 'tensorflow') {
      // Run one op so that libtensorflow has loaded CUDA/cuDNN (it does so lazily), then read what is mapped.
      tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync());
      gpu = { devices: gpuDevices(), loaded: loadedCudaLibraries() };
    }
    const report = { available: availableBackends(), installed, chosen: engine, ...(gpu ? { gpu } : {}) };
    if (args.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    console.log(`backends available: ${report.available.join(', ')}`);
    for (const [pkg, ok] of Object.entries(installed)) {
      console.log(`  ${pkg}: ${ok ? 'installed' : `not installed (npm install ${pkg}@4.22.0)`}`);
    }
    console.log(`chosen (--backend ${args.backend}): ${engine.name} (tfjs backend '${engine.tfBackend}')`);
    if (engine.name === 'wasm') {
      console.log(`  WASM SIMD: ${engine.simd ? 'yes' : 'no'}, threads: ${engine.threads ? 'yes' : 'no'}`);
      const native = engine.nativeKernels;
      console.log(
        native
          ? `  native kernels: oneDNN ${native.oneDnn}, ${native.threads} thread(s) (ASH_NATIVE_THREADS) for ${native.kernels.join(', ')}`
          : `  native kernels: none, ${engine.nativeKernelsUnavailable}`,
      );
      console.log(
        engine.fusedKernels
          ? `  fused Swish/ASH/batch-norm/max-pool kernels: ${engine.fusedKernels === 'native' ? 'native (AVX-512/AVX2)' : 'WebAssembly SIMD (native/wasm/fused.wasm)'}`
          : `  fused Swish/ASH/batch-norm/max-pool kernels: none, ${engine.fusedKernelsUnavailable}`,
      );
    }
    for (const [pkg, v] of Object.entries(engine.versions)) console.log(`  ${pkg} ${v}`);
    if (gpu) {
      for (const d of gpu.devices ?? []) console.log(`GPU ${d.index}: ${d.name}, compute capability ${d.computeCapability}, ${d.memoryMiB} MiB, driver ${d.driver}`);
      if (!gpu.devices) console.log('GPU: nvidia-smi not found (no NVIDIA driver visible)');
      const loaded = gpu.loaded;
      const show = (v: string | undefined): string => (v === undefined ? 'not loaded' : v || 'loaded (unversioned name)');
      if (loaded) console.log(`loaded by TensorFlow: libtensorflow ${show(loaded.tensorflow)}, CUDA runtime ${show(loaded.cudart)}, cuDNN ${show(loaded.cudnn)}, cuBLAS ${show(loaded.cublas)}`);
    }
  },
};
