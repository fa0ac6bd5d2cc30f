// Cheap "is the data there?" checks for a sweep's preflight: each reader finds its files the way it
// would to load them, and this confirms they can be opened, without decoding anything.
import { accessSync, constants, statSync } from 'node:fs';
import { UserError } from '../engine/errors.js';

/** Throw a UserError naming the first of `files` that is not a readable file. */
export function assertReadableFiles(dataset: string, files: readonly string[]): void {
  for (const file of files) {
    try {
      if (!statSync(file).isFile()) throw new UserError(`${dataset}: ${file} is not a file`);
      accessSync(file, constants.R_OK);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${dataset}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
}

/** Throw a UserError unless `dir` is a directory this process can list. */
export function assertReadableDir(dataset: string, dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dataset}: ${dir} is not a directory`);
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${dataset}: cannot read the folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
