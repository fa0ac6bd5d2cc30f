/** An error caused by user input (a name, a file, a flag). The CLI prints its message without a stack. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** "Unknown X 'y'. Valid: a, b, c" with the valid names sorted, the shape every registry uses. */
export function unknownName(kind: string, name: string, valid: readonly string[]): UserError {
  return new UserError(`unknown ${kind} '${name}'. Valid ${kind}s: ${[...valid].sort().join(', ')}`);
}
