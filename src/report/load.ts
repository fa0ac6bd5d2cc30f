// Finding and reading result.json files. A bad file is reported by name and skipped; the rest still loads.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../engine/errors.js';
import { parseResult, type JobResult } from '../contract/result.js';
import { nestedDeeperThan, tooDeepMessage } from '../contract/json-depth.js';

export interface LoadedResult {
  /** Path of the result.json it came from. */
  file: string;
  /** spec.sweep, or the name of the folder above the job folder when the spec has none. */
  sweep: string;
  result: JobResult;
}

export interface LoadProblem {
  file: string;
  message: string;
}

/** What the sweep runner's <sweepDir>/sweep.json says about a sweep that the report uses. */
export interface SweepInfo {
  file: string;
  /** config.paper: the paper table the sweep reproduces. */
  paper?: string;
}

export interface LoadedResults {
  root: string;
  results: LoadedResult[];
  problems: LoadProblem[];
  /** sweep.json of each sweep that has one, by sweep name. */
  sweeps: Map<string, SweepInfo>;
}

const RESULT_FILE = 'result.json';
const SWEEP_FILE = 'sweep.json';
/** <root>/result.json (one job), <root>/<job>/result.json (one sweep), <root>/<sweep>/<job>/result.json (many). */
const MAX_DEPTH = 2;

/** lstat, or undefined when nothing is there. */
function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function findResultFiles(dir: string, depth: number): string[] {
  const own = join(dir, RESULT_FILE);
  // A link is listed too, so that readResultFile reports it (and does not follow it).
  const st = lstatOrUndefined(own);
  if (st && (st.isFile() || st.isSymbolicLink())) return [own];
  if (depth >= MAX_DEPTH) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) found.push(...findResultFiles(join(dir, entry.name), depth + 1));
  }
  return found;
}

/** Reads one result.json; returns a problem (never throws) when it cannot be used. */
export function readResultFile(file: string, fallbackSweep: string): LoadedResult | LoadProblem {
  if (lstatOrUndefined(file)?.isSymbolicLink()) {
    return { file, message: 'is a symbolic link; the report reads only plain result files and does not follow links' };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { file, message: `cannot read: ${(err as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { file, message: `not valid JSON (${(err as Error).message}); the job may have been killed while writing it` };
  }
  // Everything after this walks the value recursively (the schema, the recipe's JSON text).
  if (nestedDeeperThan(raw)) return { file, message: tooDeepMessage() };
  const parsed = parseResult(raw);
  if (!parsed.ok) return { file, message: parsed.message };
  return { file, sweep: parsed.result.spec.sweep ?? fallbackSweep, result: parsed.result };
}

/** Reads <sweepDir>/sweep.json if there is one; a broken one is a problem, not a reason to stop. */
function readSweepInfo(sweepDir: string): SweepInfo | LoadProblem | undefined {
  const file = join(sweepDir, SWEEP_FILE);
  if (lstatOrUndefined(file)?.isSymbolicLink()) return { file, message: 'is a symbolic link; not followed, so its paper table (if any) is ignored' };
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { file, message: `not valid JSON (${(err as Error).message}); its paper table (if any) is ignored` };
  }
  const paper = (raw as { config?: { paper?: unknown } } | null)?.config?.paper;
  if (paper !== undefined && typeof paper !== 'string') {
    return { file, message: `field 'config.paper': expected a paper table id like table2-cifar10, got ${JSON.stringify(paper)}` };
  }
  return { file, ...(paper !== undefined ? { paper } : {}) };
}

/** Loads every result.json under `root`. Throws a UserError only when `root` itself is unusable. */
export function loadResults(root: string): LoadedResults {
  if (!existsSync(root)) throw new UserError(`results directory '${root}' does not exist`);
  if (!statSync(root).isDirectory()) throw new UserError(`'${root}' is not a directory (expected a results directory)`);
  const files = findResultFiles(root, 0);
  const results: LoadedResult[] = [];
  const problems: LoadProblem[] = [];
  const seenJobs = new Map<string, string>();
  const sweeps = new Map<string, SweepInfo>();
  const sweepFilesRead = new Set<string>();
  for (const file of files) {
    // The folder above the job folder names the sweep; for a single-job or single-sweep root, the root's name.
    const jobDir = dirname(file);
    const atRoot = resolve(jobDir) === resolve(root) || resolve(dirname(jobDir)) === resolve(root);
    const loaded = readResultFile(file, basename(atRoot ? resolve(root) : dirname(jobDir)));
    if (!('result' in loaded)) {
      problems.push(loaded);
      continue;
    }
    const key = `${loaded.sweep}/${loaded.result.jobId}`;
    const earlier = seenJobs.get(key);
    if (earlier !== undefined) {
      problems.push({ file, message: `duplicate of job ${loaded.result.jobId} already read from ${earlier}; skipped` });
      continue;
    }
    seenJobs.set(key, file);
    results.push(loaded);
    const sweepDir = dirname(jobDir);
    if (!sweepFilesRead.has(sweepDir) && resolve(jobDir) !== resolve(root)) {
      sweepFilesRead.add(sweepDir);
      const info = readSweepInfo(sweepDir);
      if (info && 'message' in info) problems.push(info);
      else if (info) sweeps.set(loaded.sweep, info);
    }
  }
  if (files.length === 0) {
    problems.push({
      file: root,
      message: `no ${RESULT_FILE} found (expected ${join(root, '<sweep>', '<jobId>', RESULT_FILE)} or ${join(root, '<jobId>', RESULT_FILE)})`,
    });
  }
  return { root, results, problems, sweeps };
}

export function formatProblems(problems: readonly LoadProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.message}`).join('\n');
}
