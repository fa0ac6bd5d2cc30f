// The results store: <out>/<sweep>/<jobId>/ holds spec.json, metrics.jsonl (one line per epoch),
// log.jsonl (pino), output.log (the job's stdout and stderr) and result.json. Whole files are written
// atomically (a temp file in the same directory, fsync, rename), so a kill at any moment leaves
// either the old file or the new one, never half of one.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';

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

export function writeFileAtomic(path: string, contents: string): void {
  const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Remove temp files a killed writer left behind in `dir`. */
export function removeStaleTempFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (isTempFile(name)) rmSync(join(dir, name), { force: true });
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Append one JSON line (one epoch) and flush it to disk, so a crash loses at most the current epoch. */
export function appendJsonLine(path: string, value: unknown): void {
  appendFileSync(path, `${JSON.stringify(value)}\n`);
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
