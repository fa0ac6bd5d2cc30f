// The sweep locks: the whole-sweep lock and the shard locks exclude each other (and shards of different
// splits do, since their job sets overlap); a lock whose pid is alive but belongs to a younger process
// (the pid was reused) is stale; the refusal names the lock file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid}@${hostname()}@\\d+$`), 'taken over, with our own start time');
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
