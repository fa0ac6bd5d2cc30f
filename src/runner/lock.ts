// One sweep process per results directory (or per shard of it): two sweeps running the same jobs at
// once would race on their files. The lock records the owner's pid and host; a lock whose owner is
// dead (kill -9) is taken over. A lock written on another host (a shared file system) cannot be
// checked from here; it is taken over too, because there it is almost always the leftover of a
// preempted or requeued cluster task, which the cluster engine has already stopped.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';

export const LOCK_FILE = '.sweep.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of one shard: shards of a sweep run side by side in the same directory. */
export function shardLockFile(index: number, count: number): string {
  return `.sweep.shard-${index}-of-${count}.lock`;
}

/** Take the lock `lockFile` of `sweepDir`; returns its release. */
export function lockSweepDir(sweepDir: string, lockFile: string = LOCK_FILE): () => void {
  const path = join(sweepDir, lockFile);
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}@${hostname()}`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [pidText = '', host] = readFileSafe(path).trim().split('@');
      const owner = Number.parseInt(pidText, 10);
      const sameHost = host === undefined || host === hostname();
      if (sameHost && Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
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
