// One sweep process per results directory (or per shard of it): two sweeps running the same jobs at
// once would race on their files. The lock records the owner's pid, host and start time; a lock whose
// owner is dead (kill -9), or whose pid now belongs to a process that started later (the pid was
// reused), is taken over. A lock written on another host (a shared file system) cannot be checked from
// here; it is taken over too, because there it is almost always the leftover of a preempted or
// requeued cluster task, which the cluster engine has already stopped.
//
// The whole-sweep lock and the shard locks exclude each other: a run first creates its own lock file,
// then looks for a live lock whose jobs overlap its own (the whole sweep overlaps everything; shard i/N
// overlaps every shard of another split). Creating before looking means two runs that start together
// may both back off, but never both run.
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';

export const LOCK_FILE = '.sweep.lock';
const SHARD_LOCK = /^\.sweep\.shard-(\d+)-of-(\d+)\.lock$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's start time in clock ticks since boot (/proc/PID/stat field 22); undefined without /proc. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The lock file of one shard: shards of a sweep run side by side in the same directory. */
export function shardLockFile(index: number, count: number): string {
  return `.sweep.shard-${index}-of-${count}.lock`;
}

/** Whether runs holding lock files `a` and `b` could run the same job. */
function overlap(a: string, b: string): boolean {
  const sa = SHARD_LOCK.exec(a);
  const sb = SHARD_LOCK.exec(b);
  if (!sa || !sb) return true;
  // Shards of one split are disjoint; the same file is the same shard (settled by creating it).
  return sa[2] !== sb[2] || sa[1] === sb[1];
}

/** The pid holding `path`, or undefined when the lock is stale (dead owner, reused pid, other host, unreadable). */
function liveOwner(path: string): number | undefined {
  const [pidText = '', host, start] = readFileSafe(path).trim().split('@');
  const owner = Number.parseInt(pidText, 10);
  if (!Number.isInteger(owner) || owner <= 0) return undefined;
  if (host !== undefined && host !== hostname()) return undefined;
  if (!alive(owner)) return undefined;
  // Locks written before start times were recorded (pid@host) fall back to "the pid is alive".
  if (start !== undefined) {
    const now = processStartTime(owner);
    if (now !== undefined && now !== start) return undefined;
  }
  return owner;
}

function refusal(owner: number, sweepDir: string, path: string): UserError {
  return new UserError(`another sweep (pid ${owner}) is running in ${sweepDir} (lock ${path}); wait for it, or stop it, before starting this one`);
}

/** Create `path` holding this process's identity; false when it already exists. */
function create(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid}@${hostname()}@${processStartTime(process.pid) ?? ''}`.replace(/@$/, ''));
  } catch (err) {
    // A full disk (ENOSPC) must not leave an empty lock behind.
    closeSync(fd);
    rmSync(path, { force: true });
    throw new UserError(`cannot write the lock ${path}: ${(err as Error).message}`);
  }
  closeSync(fd);
  return true;
}

/** Take the lock `lockFile` of `sweepDir`; returns its release. */
export function lockSweepDir(sweepDir: string, lockFile: string = LOCK_FILE): () => void {
  const path = join(sweepDir, lockFile);
  for (let tries = 0; tries < 3; tries++) {
    if (!create(path)) {
      const owner = liveOwner(path);
      if (owner !== undefined) throw refusal(owner, sweepDir, path);
      rmSync(path, { force: true });
      continue;
    }
    const release = (): void => rmSync(path, { force: true });
    for (const other of readdirSync(sweepDir)) {
      if (other === lockFile || !(other === LOCK_FILE || SHARD_LOCK.test(other)) || !overlap(lockFile, other)) continue;
      const owner = liveOwner(join(sweepDir, other));
      if (owner !== undefined) {
        release();
        throw refusal(owner, sweepDir, join(sweepDir, other));
      }
    }
    return release;
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
