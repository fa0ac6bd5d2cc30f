/** An error caused by user input (a name, a file, a flag). The CLI prints its message without a stack and exits 2. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
