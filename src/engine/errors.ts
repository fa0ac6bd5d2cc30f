import { UserError } from '../contract/user-error.js';

export { UserError };

/** "Unknown X 'y'. Valid: a, b, c" with the valid names sorted, the shape every registry uses. */
export function unknownName(kind: string, name: string, valid: readonly string[]): UserError {
  return new UserError(`unknown ${kind} '${name}'. Valid ${kind}s: ${[...valid].sort().join(', ')}`);
}
