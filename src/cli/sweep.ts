import type { CommandModule } from 'yargs';
import { parseGpuList, runSweep } from '../runner/sweep.js';

interface SweepArgs {
  file: string;
  jobs?: number;
  gpus?: string;
  out: string;
  'dry-run': boolean;
  /** One --set gives a string, several an array (not `array: true`, which would swallow the FILE after it). */
  set?: string | string[];
  progress: 'auto' | 'tty' | 'json';
}

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep <file>',
  describe: 'Run every job of a sweep config (skipping finished ones), then print the results table',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'sweep config (YAML)' })
      .option('jobs', { type: 'number', describe: 'jobs at once (default: one per core for wasm/cpu, one per GPU otherwise)' })
      .option('gpus', { type: 'string', describe: 'comma-separated GPU ids, one per job slot (CUDA_VISIBLE_DEVICES)' })
      .option('out', { type: 'string', default: 'results', describe: 'results root; the sweep writes to OUT/<name>/' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'list the jobs and which are finished; run nothing' })
      .option('set', { type: 'string', describe: 'override a config value: key.path=value (repeat --set for more)' })
      .option('progress', { choices: ['auto', 'tty', 'json'] as const, default: 'auto' as const, describe: 'live view, or JSON log lines (auto: live view on a terminal)' }) as never,
  handler: async (args) => {
    const outcome = await runSweep({
      file: args.file,
      ...(args.set !== undefined ? { set: args.set } : {}),
      out: args.out,
      ...(args.jobs !== undefined ? { jobs: args.jobs } : {}),
      ...(args.gpus !== undefined ? { gpus: parseGpuList(args.gpus) } : {}),
      dryRun: args['dry-run'],
      progress: args.progress,
    });
    process.exitCode = outcome.exitCode;
  },
};
