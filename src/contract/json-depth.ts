// How deep a parsed JSON value nests, measured without recursion: JSON.parse accepts any depth, but
// everything that walks a value recursively (JSON.stringify included) overflows the stack on one nested
// a few thousand levels deep. Readers check files against this bound before walking them.
import { UserError } from './user-error.js';

/** Far deeper than any spec or result ash writes (they nest 4 or 5 levels), far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays/objects more than `max` levels deep (a scalar is depth 0). */
export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return false;
}

export function tooDeepMessage(max: number = MAX_JSON_DEPTH): string {
  return `nested deeper than ${max} levels (ash never writes such a file)`;
}

/** Throw a UserError (prefixed with `where`, when given) if `value` nests deeper than the bound. */
export function assertJsonDepth(value: unknown, where?: string): void {
  if (nestedDeeperThan(value)) throw new UserError(`${where ? `${where}: ` : ''}${tooDeepMessage()}`);
}
