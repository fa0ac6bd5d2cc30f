import { closestName } from '../engine/errors.js';

/**
 * yargs' "Unknown argument(s): a, b" with a suggestion for each mistyped option (--dryrun -> --dry-run),
 * from the options the command being parsed knows.
 */
export function explainUnknownArguments(message: string, knownOptions: readonly string[]): string {
  const match = /^Unknown arguments?: (.*)$/.exec(message);
  if (!match) return message;
  const names = match[1]!.split(', ');
  const hints = names.flatMap((name) => {
    const close = closestName(name, knownOptions);
    return close === undefined ? [] : [`--${name}: did you mean --${close}?`];
  });
  return hints.length === 0 ? message : `${message} (${hints.join('; ')})`;
}

/** yargs' recommendCommands message ("Did you mean sweep?") with the mistyped command named. */
export function explainUnknownCommand(message: string, argv: readonly string[]): string {
  const match = /^Did you mean (\S+)\?$/.exec(message);
  const typed = argv.find((a) => !a.startsWith('-'));
  return match && typed ? `unknown command '${typed}'; did you mean '${match[1]}'? (\`ash --help\` lists the commands)` : message;
}
