// Options every `ash` command takes (yargs `global`): how much to log and in which form. Commands that
// log read them through logSettings(); the rest accept them harmlessly, so a wrapper script can pass
// --quiet to anything.
import type { Argv } from 'yargs';
import type { LogFormat, Verbosity } from '../runner/log.js';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export const GLOBAL_GROUP = 'Logging (every command):';

export interface GlobalArgs {
  quiet?: boolean;
  verbose?: boolean;
  'log-format'?: LogFormat;
}

export function withGlobalOptions<T>(y: Argv<T>): Argv<T & GlobalArgs> {
  return y
    .option('quiet', { alias: 'q', type: 'boolean', global: true, group: GLOBAL_GROUP, describe: 'warnings, errors and results only: no live view, no progress lines' })
    .option('verbose', { type: 'boolean', global: true, group: GLOBAL_GROUP, describe: 'more detail: also every training step in sweep logs' })
    .option('log-format', {
      choices: LOG_FORMATS,
      global: true,
      group: GLOBAL_GROUP,
      describe: 'log lines as human text (pretty) or JSON lines (json, pino; for log collectors). Default: the live view on a terminal, json otherwise',
    })
    .conflicts('quiet', 'verbose') as unknown as Argv<T & GlobalArgs>;
}

/** The verbosity and format the global options ask for (format undefined: the command's default). */
export function logSettings(args: GlobalArgs): { verbosity: Verbosity; format?: LogFormat } {
  const verbosity: Verbosity = args.quiet ? 'quiet' : args.verbose ? 'verbose' : 'normal';
  return { verbosity, ...(args['log-format'] ? { format: args['log-format'] } : {}) };
}
