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
//
// A lock file appears whole (written to a temp file, then link()ed to its name, which fails if the name exists),
// so nobody reads a half-written lock as stale. Taking over a stale lock is a remove and a create; two runs that
// find the same stale lock must not both remove (the second would remove the first's new, live lock): removing
// is done only under a claim file named after the stale lock's content, which exactly one of them can create,
// and only if the lock still holds that content. Each lock's content is unique (it ends in a random nonce).
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';

export const LOCK_FILE = '.sweep.lock';
const SHARD_LOCK = /^\.sweep\.shard-(\d+)-of-(\d+)\.lock$/;
/** `<lock>.claim-<hash of the stale content>`: held while one run removes that stale lock. */
const CLAIM = '.claim-';
/** A claim left by a run that died holding it is stale content too; claims of claims nest at most this deep. */
const MAX_CLAIM_DEPTH = 3;

/** Test seams: called at the points where another run's takeover could interleave with this one's. */
export interface LockHooks {
  /** This run found `path` held by a stale lock and is about to remove it. */
  onStale?(path: string): void;
  /** This run holds the claim on the stale lock at `path` and is about to check and remove it. */
  underClaim?(path: string): void;
}

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

/** The pid that holds a lock of this content, or undefined when it is stale (dead owner, reused pid, other host, unreadable). */
function liveOwner(content: string): number | undefined {
  // pid@host@start@nonce; older locks have pid@host@start or pid@host. start is empty without /proc.
  const [pidText = '', host, start] = content.trim().split('@');
  const owner = Number.parseInt(pidText, 10);
  if (!Number.isInteger(owner) || owner <= 0) return undefined;
  if (host !== undefined && host !== hostname()) return undefined;
  if (!alive(owner)) return undefined;
  // Locks written before start times were recorded (pid@host) fall back to "the pid is alive".
  if (start) {
    const now = processStartTime(owner);
    if (now !== undefined && now !== start) return undefined;
  }
  return owner;
}

/** This process's lock content: pid, host, start time and a nonce that tells this lock from any other. */
function lockContent(): string {
  return `${process.pid}@${hostname()}@${processStartTime(process.pid) ?? ''}@${randomBytes(8).toString('hex')}`;
}

function refusal(owner: number, sweepDir: string, path: string): UserError {
  return new UserError(`another sweep (pid ${owner}) is running in ${sweepDir} (lock ${path}); wait for it, or stop it, before starting this one`);
}

/** Create `path` holding `content`, whole at once; false when it already exists. */
function create(path: string, content: string): boolean {
  // A temp name the sweep's clean-up of killed writers' leftovers recognises (store.ts isTempFile).
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(temp, content, { flag: 'wx' });
  } catch (err) {
    // A full disk (ENOSPC) must not leave an empty file behind.
    rmSync(temp, { force: true });
    throw new UserError(`cannot write the lock ${path}: ${(err as Error).message}`);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    // ENOENT: the temp file went first (a whole-sweep run clearing killed writers' temp files): look again.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Remove `path` if it still holds `content` (a lock judged stale). Of any number of runs doing this for the same
 * content at once, only the one that creates the claim file removes it, and only while it still holds that
 * content: a lock written after it (by whichever run won) is never removed. True when this run removed it.
 */
function removeIfStill(path: string, content: string, hooks: LockHooks, depth = 0): boolean {
  const claim = `${path}${CLAIM}${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
  if (create(claim, lockContent())) {
    try {
      hooks.underClaim?.(path);
      if (readFileSafe(path) !== content) return false;
      rmSync(path, { force: true });
      return true;
    } finally {
      rmSync(claim, { force: true });
    }
  }
  // Another run holds the claim: it is removing this lock now, unless it died doing so (then its claim is stale).
  const holder = readFileSafe(claim);
  if (holder !== '' && liveOwner(holder) === undefined && depth < MAX_CLAIM_DEPTH) removeIfStill(claim, holder, hooks, depth + 1);
  return false;
}

/** Take the lock `lockFile` of `sweepDir`; returns its release. `hooks` are for tests. */
export function lockSweepDir(sweepDir: string, lockFile: string = LOCK_FILE, hooks: LockHooks = {}): () => void {
  const path = join(sweepDir, lockFile);
  const mine = lockContent();
  for (let tries = 0; tries < 5; tries++) {
    if (!create(path, mine)) {
      const found = readFileSafe(path);
      const owner = liveOwner(found);
      if (owner !== undefined) throw refusal(owner, sweepDir, path);
      hooks.onStale?.(path);
      removeIfStill(path, found, hooks);
      continue;
    }
    // Only our own lock: if it was taken from us (a lock from another host counts as stale), it is not ours to remove.
    const release = (): void => {
      if (readFileSafe(path) === mine) rmSync(path, { force: true });
    };
    for (const other of readdirSync(sweepDir)) {
      if (other === lockFile || !(other === LOCK_FILE || SHARD_LOCK.test(other)) || !overlap(lockFile, other)) continue;
      const owner = liveOwner(readFileSafe(join(sweepDir, other)));
      if (owner !== undefined) {
        release();
        throw refusal(owner, sweepDir, join(sweepDir, other));
      }
    }
    return release;
  }
  throw new UserError(`could not take the lock ${path}: another run is taking over its stale lock at the same moment; try again`);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
