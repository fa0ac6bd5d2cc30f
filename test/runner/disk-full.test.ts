// A full disk (ENOSPC) while writing a result or taking a lock: a one-line UserError naming the file,
// and no empty temp file or lock file left behind. The full disk is a 64 KiB tmpfs, so this test needs
// root (mount); elsewhere it is skipped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { LOCK_FILE, lockSweepDir } from '../../src/runner/lock.js';
import { writeJsonAtomic } from '../../src/runner/store.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'ash-full-'));
const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]).status === 0;
const skip = mounted ? false : 'needs root to mount a small tmpfs';

before(() => {
  if (!mounted) return;
  // Fill it up: the filler gets what fits, then the file system is full.
  try {
    writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(1024 * 1024, 1));
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
});
after(() => {
  if (mounted) spawnSync('umount', ['-l', mountPoint]);
});

test('writing a result on a full disk: one line naming the file, no temp file left', { skip }, () => {
  const dir = mkdtempSync(join(mountPoint, 'job-'));
  const file = join(dir, 'result.json');
  assert.throws(
    () => writeJsonAtomic(file, { pad: 'x'.repeat(100_000) }),
    (err: unknown) => err instanceof UserError && err.message.startsWith(`${file}: `) && /no space left on device/.test(err.message) && !err.message.includes('\n'),
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('taking a lock on a full disk: one line naming the lock, no empty lock left', { skip }, () => {
  const dir = mkdtempSync(join(mountPoint, 'sweep-'));
  assert.throws(
    () => lockSweepDir(dir),
    (err: unknown) => err instanceof UserError && err.message.includes(join(dir, LOCK_FILE)) && /no space left on device/.test(err.message),
  );
  assert.deepEqual(readdirSync(dir), []);
});
