// The results store: <out>/<sweep>/<jobId>/ holds spec.json, metrics.jsonl (one line per epoch),
// log.jsonl (pino), output.log (the job's stdout and stderr) and result.json. Whole files are written
// atomically (a temp file in the same directory, fsync, rename), so a kill at any moment leaves
// either the old file or the new one, never half of one. Symbolic links inside a results folder are
// refused, never followed: writing through one would change (or truncate) a file outside the folder.
import { closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { UserError } from '../engine/errors.js';

export const SPEC_FILE = 'spec.json';
export const METRICS_FILE = 'metrics.jsonl';
export const LOG_FILE = 'log.jsonl';
export const OUTPUT_FILE = 'output.log';
export const RESULT_FILE = 'result.json';
export const SWEEP_FILE = 'sweep.json';

const TEMP_MARK = '.tmp-';

/** Temp files are named `<target>.tmp-<pid>-<random>`; nothing that reads results counts them. */
export function isTempFile(name: string): boolean {
  return basename(name).includes(TEMP_MARK);
}

function linkRefusal(path: string): UserError {
  return new UserError(`${path} is a symbolic link; ash does not follow links inside a results folder (it would write outside it): remove the link`);
}

/** Throw if `path` is a symbolic link (a missing path is fine: it will be created as a plain file or folder). */
export function refuseLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) throw linkRefusal(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** open(2) with O_NOFOLLOW, so a link at `path` fails (ELOOP) instead of being written through. */
function openNoFollow(path: string, flags: number): number {
  try {
    return openSync(path, flags | constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefusal(path);
    throw err;
  }
}

/** A descriptor appending to `path` (created if missing), refusing a link. */
export function openForAppend(path: string): number {
  return openNoFollow(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
}

/** Make `path` an empty file (created if missing), refusing a link rather than truncating its target. */
export function resetFile(path: string): void {
  closeSync(openNoFollow(path, constants.O_WRONLY | constants.O_TRUNC | constants.O_CREAT));
}

/** A full disk or quota is the user's to fix: one line naming the file instead of a stack. */
function diskError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UserError(`${path}: cannot write: ${code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded'} (free some space and run again)`);
  }
  return err;
}

export function writeFileAtomic(path: string, contents: string, mode = 0o644): void {
  const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  // 'wx' (O_EXCL) never opens an existing file or a link planted under the temp name.
  let fd: number;
  try {
    fd = openSync(temp, 'wx', mode);
  } catch (err) {
    throw diskError(path, err);
  }
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (err) {
    // Never leave a half-written (or empty) temp file behind, whatever failed.
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
    rmSync(temp, { force: true });
    throw diskError(path, err);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Remove temp files (and temp folders, see writeFolderAtomic) a killed writer left behind in `dir`. */
export function removeStaleTempFiles(dir: string): void {
  refuseLink(dir);
  if (!existsSync(dir)) return;
  // rm of a link (recursive or not) removes the link itself, never what it points to.
  for (const name of readdirSync(dir)) if (isTempFile(name)) rmSync(join(dir, name), { force: true, recursive: true });
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a whole folder at once: its files go to a temp folder beside `path`, each synced, and the folder is then
 * renamed into place (replacing an older one), so a kill at any moment leaves the old folder or the new one
 * complete. The parent must exist and not be a link.
 */
export function writeFolderAtomic(path: string, files: Record<string, string | Uint8Array>): void {
  const parent = join(path, '..');
  refuseLink(parent);
  refuseLink(path);
  const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(temp);
    for (const [name, contents] of Object.entries(files)) {
      // 'wx' in a folder just made: nothing can be planted under these names.
      const fd = openSync(join(temp, name), 'wx', 0o644);
      try {
        writeFileSync(fd, contents);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    fsyncDir(temp);
    // rename(2) replaces only an empty folder: an older one is moved aside first and removed once the new one is in place.
    const old = existsSync(path) ? `${path}${TEMP_MARK}old-${randomBytes(4).toString('hex')}` : undefined;
    if (old) renameSync(path, old);
    renameSync(temp, path);
    fsyncDir(parent);
    if (old) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw diskError(path, err);
  }
}

/** Create `dir` (and its parents); a `dir` that is a link is refused, as everything in it would go elsewhere. */
export function ensureDir(dir: string): void {
  refuseLink(dir);
  mkdirSync(dir, { recursive: true });
}

/** Append one JSON line (one epoch) and flush it to disk, so a crash loses at most the current epoch. */
export function appendJsonLine(path: string, value: unknown): void {
  const fd = openForAppend(path);
  try {
    writeSync(fd, `${JSON.stringify(value)}\n`);
  } catch (err) {
    throw diskError(path, err);
  } finally {
    closeSync(fd);
  }
}

/** The parseable lines of a JSONL file; a torn last line (from a kill mid-write) is skipped. */
export function readJsonLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const out: unknown[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // Only the line being written when the process died can be torn.
    }
  }
  return out;
}

export function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
