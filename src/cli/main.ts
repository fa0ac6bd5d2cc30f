#!/usr/bin/env node
// The `ash` command line. Each command lives in its own file and stays thin: parse, call, print.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.js';
import { UserError } from '../engine/errors.js';
import { rejectRepeatedFlags } from './repeated-flags.js';
import { explainUnknownArguments, explainUnknownCommand } from './unknown-arguments.js';
import { environmentEpilogue } from './environment.js';
import { withGlobalOptions } from './global-options.js';

async function main(): Promise<void> {
  const root = yargs(hideBin(process.argv));
  let cli = withGlobalOptions(root)
    .scriptName('ash')
    // A repeated flag becomes an array: kept for the repeatable ones (--set, --sbatch), an error for the rest.
    .middleware((argv) => rejectRepeatedFlags(argv))
    .strict()
    .demandCommand(1, 'name a command; `ash --help` lists them')
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .example('ash doctor', 'which backends are installed and which one auto picks')
    .example('ash validate configs/smoke.yaml --print', 'the merged config with every default filled in')
    .example('ash sweep configs/smoke.yaml --dry-run', 'the jobs, which are done, and a time estimate')
    .example('ash sweep configs/smoke.yaml', 'run it (again: resumes), then print the results table')
    .example('ash report results/smoke --out report/', 'tables, figures and an HTML page')
    .epilogue(`${environmentEpilogue()}\n\nEvery command has --help with examples; the README has the rest.`)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      // The options of the command being parsed (yargs keeps them on the root instance while it parses).
      const known = Object.keys((root as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key).filter((k) => k !== '$0');
      throw new UserError(explainUnknownCommand(explainUnknownArguments(msg, known), hideBin(process.argv)));
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
