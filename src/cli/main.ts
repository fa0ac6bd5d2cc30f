#!/usr/bin/env node
// The `ash` command line. Each command lives in its own file and stays thin: parse, call, print.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.js';
import { UserError } from '../engine/errors.js';
import { rejectRepeatedFlags } from './repeated-flags.js';

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName('ash')
    // A repeated flag becomes an array: kept for the repeatable ones (--set, --sbatch), an error for the rest.
    .middleware((argv) => rejectRepeatedFlags(argv))
    .strict()
    .demandCommand(1, 'name a command; `ash --help` lists them')
    .recommendCommands()
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      throw err ?? new UserError(msg);
    });
  for (const command of commands) cli = cli.command(command);
  await cli.parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof UserError) {
    process.stderr.write(`ash: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`ash: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
