import type { CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { loadSweepConfig } from '../config/load.js';
import type { SweepConfig } from '../config/schema.js';
import { describeGrid, expandJobs } from '../config/expand.js';
import { assertPreflight } from '../runner/preflight.js';

/**
 * A parsed config in the form a config file takes: the schema turns `{ name, label, ...options }`
 * into `{ name, label, options }`, which a file may not say, so the options go back beside the name.
 */
export function configAsWritten(config: SweepConfig): unknown {
  // `extends` is merged in already; kept, it would merge its base a second time (or not resolve elsewhere).
  const { extends: _merged, ...rest } = config as SweepConfig & { extends?: unknown };
  return {
    ...rest,
    grid: {
      ...config.grid,
      activation: config.grid.activation.map(({ name, label, options }) => ({ name, ...(label !== undefined ? { label } : {}), ...options })),
    },
  };
}

interface ValidateArgs {
  file: string;
  /** One --set gives a string, several an array (not `array: true`, which would swallow the FILE after it). */
  set?: string | string[];
  list: boolean;
  preflight: boolean;
  print: boolean;
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
      })
      .option('print', {
        type: 'boolean',
        default: false,
        describe: "print the config as the sweep will use it, as YAML: extends merged, --set applied, every default filled in (Hydra's --cfg job)",
      })
      .example('ash validate configs/smoke.yaml', 'check it; problems as FILE:LINE:COL  field  message')
      .example('ash validate configs/smoke.yaml --print', 'the full config, defaults filled in (YAML on stdout)')
      .example('ash validate configs/smoke.yaml --set train.epochs=5 --list', 'with an override, listing the job ids') as never,
  handler: (args) => {
    // An invalid config throws a ConfigError (a UserError): the CLI prints its lines and exits 2.
    const { config, files } = loadSweepConfig(args.file, args.set !== undefined ? { set: args.set } : {});
    const jobs = expandJobs(config);
    if (args.print) {
      // Only YAML on stdout, in the config file's own spelling, so that it can be saved and run as is.
      process.stdout.write(`# ${args.file}${files.length > 1 ? ` (extends ${files.slice(0, -1).join(' <- ')})` : ''}: ${describeGrid(config)}\n${stringify(configAsWritten(config))}`);
      if (args.list) for (const job of jobs) process.stdout.write(`# job ${job.id}\n`);
      return;
    }
    if (args.preflight) assertPreflight(args.file, config.backend, jobs);
    const via = files.length > 1 ? ` (extends ${files.slice(0, -1).join(' <- ')})` : '';
    process.stdout.write(`${args.file}: valid${via}: sweep ${config.name}, ${describeGrid(config)}\n`);
    if (args.list) for (const job of jobs) process.stdout.write(`  ${job.id}\n`);
  },
};
