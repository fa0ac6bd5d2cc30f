import type { CommandModule } from 'yargs';
import { availableBackends, initEngine, isInstalled } from '../engine/backend.js';

interface DoctorArgs {
  backend: string;
  json: boolean;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'Show which backends are installed, which one auto picks, and how it runs',
  builder: (y) =>
    y
      .option('backend', { type: 'string', default: 'auto', describe: 'backend to initialise' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as never,
  handler: async (args) => {
    const installed = {
      '@tensorflow/tfjs-node-gpu': isInstalled('@tensorflow/tfjs-node-gpu'),
      '@tensorflow/tfjs-node': isInstalled('@tensorflow/tfjs-node'),
    };
    const engine = await initEngine({ backend: args.backend });
    const report = { available: availableBackends(), installed, chosen: engine };
    if (args.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    console.log(`backends available: ${report.available.join(', ')}`);
    for (const [pkg, ok] of Object.entries(installed)) {
      console.log(`  ${pkg}: ${ok ? 'installed' : `not installed (npm install ${pkg}@4.22.0)`}`);
    }
    console.log(`chosen (--backend ${args.backend}): ${engine.name} (tfjs backend '${engine.tfBackend}')`);
    if (engine.name === 'wasm') console.log(`  WASM SIMD: ${engine.simd ? 'yes' : 'no'}, threads: ${engine.threads ? 'yes' : 'no'}`);
    for (const [pkg, v] of Object.entries(engine.versions)) console.log(`  ${pkg} ${v}`);
  },
};
