// Which flags may be given more than once. yargs collects a repeated flag into an array; for the flags
// documented as repeatable that is what we want, for every other flag it would mean silently picking
// one of the values, so it is an error instead.
import { UserError } from '../engine/errors.js';

/**
 * Flags that take one value per use and keep them all (--set a=1 --set b=2), and variadic positionals, which
 * yargs hands over as arrays too (`ash analyze ash <runs..>`).
 */
export const REPEATABLE_FLAGS: ReadonlySet<string> = new Set(['set', 'sbatch', 'metric', 'runs']);

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Throw a one-line UserError for the first non-repeatable flag that was given more than once. */
export function rejectRepeatedFlags(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0' || !Array.isArray(value)) continue;
    const flag = kebab(key);
    if (REPEATABLE_FLAGS.has(flag)) continue;
    throw new UserError(`--${flag} was given ${value.length} times; it takes one value`);
  }
}
