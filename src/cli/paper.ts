import type { CommandModule } from 'yargs';
import { UserError } from '../engine/errors.js';
import { formatPaperStatus, paperStatus } from '../runner/paper-status.js';
import { formatProblems } from '../report/load.js';

interface PaperArgs {
  results?: string;
  configs?: string;
  power: number;
  json: boolean;
}

export const paperCommand: CommandModule<object, PaperArgs> = {
  command: 'paper',
  describe: "The paper's Tables 1-7: the configs that reproduce each (GPU, CPU), whether their data is here, finished runs, and the seeds needed to detect the claimed gaps",
  builder: (y) =>
    y
      .option('results', { type: 'string', describe: 'results directory: count finished runs per cell and measure the spread across seeds' })
      .option('configs', { type: 'string', describe: "folder of sweep configs to search for `paper:` (default: this package's configs/)" })
      .option('power', { type: 'number', default: 0.8, describe: 'target power for the seed count (two-sided Welch t-test, alpha 0.05)' })
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
      .example('ash paper', 'each table: its GPU and CPU configs, whether they validate, whether their data is on disk')
      .example('ash paper --results results', 'plus finished runs per cell and the seeds needed to detect the paper\'s ASH-vs-best-baseline gap')
      .example('ash paper --results results --json', 'the same as JSON') as never,
  handler: (args) => {
    if (!(args.power > 0 && args.power < 1)) throw new UserError(`--power ${args.power}: expected a number between 0 and 1 (exclusive), e.g. 0.8`);
    const status = paperStatus({ resultsDir: args.results, configDir: args.configs, power: args.power });
    if (status.problems.length > 0) process.stderr.write(`ash paper: skipped files:\n${formatProblems(status.problems)}\n`);
    process.stdout.write(args.json ? `${JSON.stringify(status, null, 2)}\n` : formatPaperStatus(status));
  },
};
