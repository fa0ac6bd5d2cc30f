import type { CommandModule } from 'yargs';
import { runJobInDir } from '../runner/job-process.js';
import { formatMetric } from '../tasks/catalog.js';

interface JobArgs {
  dir: string;
}

/** Internal: one sweep job in its own process. Started by `ash sweep`; runnable by hand to debug a job. */
export const jobCommand: CommandModule<object, JobArgs> = {
  command: 'job',
  describe: false,
  builder: (y) => y.option('dir', { type: 'string', demandOption: true, describe: 'job directory holding spec.json' }) as never,
  handler: async (args) => {
    // If the sweep that started this job dies (kill -9), stop rather than train on as an orphan that a
    // re-run of the sweep would race.
    const onDisconnect = (): void => {
      process.stderr.write('ash job: the sweep that started this job is gone; stopping\n');
      process.exit(3);
    };
    if (process.send) {
      process.on('disconnect', onDisconnect);
      // The sweep may have died while this process was still loading (its 'disconnect' already emitted).
      if (!process.connected) onDisconnect();
    }
    try {
      const result = await runJobInDir(args.dir);
      const primary = formatMetric(result.primaryMetric, result.metrics[result.primaryMetric]);
      process.stdout.write(`${result.jobId}: ${result.status} ${primary}${result.error ? ` (${result.error})` : ''}\n`);
    } finally {
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
    }
  },
};
