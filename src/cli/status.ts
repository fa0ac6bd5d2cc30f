import type { CommandModule } from 'yargs';
import { findSweepDirs, formatStatus, sweepStatus } from '../runner/status.js';

interface StatusArgs {
  dir: string;
  json: boolean;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status <dir>',
  describe: "Progress of a sweep (from its result files, and squeue for a SLURM array), also while it runs elsewhere",
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'a sweep results directory (results/<name>), or a results root' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .example('ash status results/smoke', 'done / running / failed, from the result files')
      .example('ash status results --json', 'every sweep under a results root, as JSON') as never,
  handler: async (args) => {
    const statuses = [];
    for (const dir of findSweepDirs(args.dir)) statuses.push(await sweepStatus(dir));
    if (args.json) console.log(JSON.stringify(statuses, null, 2));
    else console.log(statuses.map(formatStatus).join('\n'));
  },
};
