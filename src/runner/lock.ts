// One sweep process per results directory: two sweeps running the same jobs at once would race on
// their files. The lock records the owner's pid; a lock whose owner is dead (kill -9) is taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';

const LOCK_FILE = '.sweep.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock of `sweepDir`; returns its release. */
export function lockSweepDir(sweepDir: string): () => void {
  const path = join(sweepDir, LOCK_FILE);
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSafe(path), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new UserError(`another sweep (pid ${owner}) is running in ${sweepDir}; wait for it, or stop it, before starting this one`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`could not take the lock ${path}`);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
