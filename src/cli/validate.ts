import type { CommandModule } from 'yargs';
import { loadSweepConfig } from '../config/load.js';
import { describeGrid, expandJobs } from '../config/expand.js';
import { assertPreflight } from '../runner/preflight.js';

interface ValidateArgs {
  file: string;
  /** One --set gives a string, several an array (not `array: true`, which would swallow the FILE after it). */
  set?: string | string[];
  list: boolean;
  preflight: boolean;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <file>',
  describe: 'Check a sweep config; list every problem as FILE:LINE:COL  field  what is wrong (exit 2 if any)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'sweep config (YAML)' })
      .option('set', { type: 'string', describe: 'override a config value: key.path=value (repeat --set for more)' })
      .option('list', { type: 'boolean', default: false, describe: 'also list the job ids' })
      .option('preflight', {
        type: 'boolean',
        default: true,
        describe: 'also check that the backend is installed and the datasets are readable here (--no-preflight: the config alone, e.g. for a cluster)',
      }) as never,
  handler: (args) => {
    // An invalid config throws a ConfigError (a UserError): the CLI prints its lines and exits 2.
    const { config, files } = loadSweepConfig(args.file, args.set !== undefined ? { set: args.set } : {});
    const jobs = expandJobs(config);
    if (args.preflight) assertPreflight(args.file, config.backend, jobs);
    const via = files.length > 1 ? ` (extends ${files.slice(0, -1).join(' <- ')})` : '';
    process.stdout.write(`${args.file}: valid${via}: sweep ${config.name}, ${describeGrid(config)}\n`);
    if (args.list) for (const job of jobs) process.stdout.write(`  ${job.id}\n`);
  },
};
