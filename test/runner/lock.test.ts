// The sweep locks: the whole-sweep lock and the shard locks exclude each other (and shards of different
// splits do, since their job sets overlap); a lock whose pid is alive but belongs to a younger process
// (the pid was reused) is stale; the refusal names the lock file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { LOCK_FILE, lockSweepDir, shardLockFile } from '../../src/runner/lock.js';
import { tempDir } from './helpers.js';

function refusedFor(lockPath: string) {
  return (err: unknown) => err instanceof UserError && err.message.includes(lockPath) && /another sweep \(pid \d+\) is running/.test(err.message);
}

test('a shard and the whole sweep exclude each other', () => {
  const dir = tempDir();
  const whole = lockSweepDir(dir);
  assert.throws(() => lockSweepDir(dir, shardLockFile(0, 2)), refusedFor(join(dir, LOCK_FILE)));
  whole();

  const shard0 = lockSweepDir(dir, shardLockFile(0, 2));
  assert.throws(() => lockSweepDir(dir), refusedFor(join(dir, shardLockFile(0, 2))));
  // Shards of one split run side by side; a shard of another split shares jobs with this one.
  const shard1 = lockSweepDir(dir, shardLockFile(1, 2));
  assert.throws(() => lockSweepDir(dir, shardLockFile(1, 3)), refusedFor(join(dir, shardLockFile(0, 2))));
  shard0();
  shard1();
  // Refused attempts leave no lock of their own behind.
  assert.equal(existsSync(join(dir, shardLockFile(1, 3))), false);
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  lockSweepDir(dir)();
});

test('a lock whose pid now belongs to another (younger) process is stale; the owner itself still holds it', async () => {
  const dir = tempDir();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  try {
    const path = join(dir, LOCK_FILE);
    // Written by a process with this pid that started at clock tick 1, long before the live one.
    writeFileSync(path, `${child.pid}@${hostname()}@1`);
    const release = lockSweepDir(dir);
    assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid}@${hostname()}@\\d+@[0-9a-f]{16}$`), 'taken over, with our own start time (and nonce)');
    release();
    // The same pid with its true start time is a live owner.
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(path, `${child.pid}@${hostname()}@${start}`);
    assert.throws(() => lockSweepDir(dir), refusedFor(path));
  } finally {
    child.kill('SIGKILL');
  }
});

/** A stale lock: written on another host (here, almost always a preempted cluster task's leftover). */
const STALE = '4242@some-other-host@17';

/** Lock files and claims left in `dir` (temp files included, so a leak would show). */
const leftovers = (dir: string) => readdirSync(dir).sort();

test('two runs taking over the same stale lock: the one that acts second finds the first\'s live lock and is refused', () => {
  const dir = tempDir();
  const path = join(dir, LOCK_FILE);
  writeFileSync(path, STALE);
  let second: (() => void) | undefined;
  // Run A has judged the lock stale; before it removes it, run B does the whole takeover (it read the same stale
  // lock). A must not remove B's new lock: it is refused, naming B's lock, and B holds the lock alone.
  const onStale = () => {
    if (!second) second = lockSweepDir(dir);
  };
  assert.throws(() => lockSweepDir(dir, LOCK_FILE, { onStale }), refusedFor(path));
  assert.ok(second, 'B took the lock');
  const held = readFileSync(path, 'utf8');
  assert.match(held, new RegExp(`^${process.pid}@`));
  assert.deepEqual(leftovers(dir), [LOCK_FILE], 'no claim or temp file left');
  second();
  assert.deepEqual(leftovers(dir), []);
});

test('two runs taking over the same stale lock: while one holds the claim, the other never removes anything', () => {
  const dir = tempDir();
  const path = join(dir, LOCK_FILE);
  writeFileSync(path, STALE);
  let inner: unknown;
  // A holds the claim on the stale lock; B runs its whole attempt now: it finds the stale lock, cannot claim it
  // (A's claim is live) and gives up without touching it. Then A removes the stale lock and takes the lock.
  const underClaim = () => {
    if (inner !== undefined) return;
    try {
      lockSweepDir(dir);
      inner = 'B took the lock';
    } catch (err) {
      inner = err;
      assert.equal(readFileSync(path, 'utf8'), STALE, 'B left the stale lock to A');
    }
  };
  const release = lockSweepDir(dir, LOCK_FILE, { underClaim });
  assert.ok(inner instanceof UserError && /could not take the lock .*another run is taking over its stale lock/.test(inner.message), String(inner));
  assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid}@`));
  release();
  assert.deepEqual(leftovers(dir), []);
});

test('a claim left by a run that died while taking over does not block the lock forever', () => {
  const dir = tempDir();
  const path = join(dir, LOCK_FILE);
  writeFileSync(path, STALE);
  // The claim file of this stale content, written by a run (on another host) that never finished: found the first
  // time this run goes to remove the stale lock. It removes the dead claim, then claims and removes the lock.
  const claim = `${path}.claim-${createHash('sha256').update(STALE).digest('hex').slice(0, 16)}`;
  let planted = false;
  const lock = lockSweepDir(dir, LOCK_FILE, {
    onStale: () => {
      if (!planted) writeFileSync(claim, '777@some-other-host@5@00');
      planted = true;
    },
  });
  assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid}@`));
  lock();
  assert.deepEqual(leftovers(dir), []);
});

test('release removes only the lock it took, not one that replaced it', () => {
  const dir = tempDir();
  const path = join(dir, LOCK_FILE);
  const release = lockSweepDir(dir);
  // Taken over meanwhile (a run elsewhere judged it stale, e.g. from another host on a shared file system).
  writeFileSync(path, STALE);
  release();
  assert.equal(readFileSync(path, 'utf8'), STALE);
});
