// Which jobs of a sweep still need to run. A job is finished when a folder of the sweep holds a result.json with
// status ok or diverged for exactly its identity (src/contract/spec.ts jobIdentity: the spec without its label,
// sweep and data location). Failed jobs run again, and so do jobs with no result.
//
// Folders are matched by identity, not by name, so a results folder written before the job ids changed (result.json
// schema 1 named folders by label and hashed the label too) resumes with nothing re-run, and so does a sweep whose
// rows were relabelled: the finished folder is adopted and its label brought up to date.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../config/expand.js';
import { JobSpecSchema, identityHash, type JobSpec } from '../contract/spec.js';
import { readResult, writeResult, type JobResult } from './result.js';
import { readJsonFile, RESULT_FILE, SPEC_FILE, writeJsonAtomic } from './store.js';
import { UserError } from '../engine/errors.js';

export type JobState = 'done' | 'todo' | 'retry';

export interface PlannedJob extends Job {
  dir: string;
  state: JobState;
  /** The result on disk, if any (a failed one for 'retry'). */
  previous?: JobResult;
}

export interface Plan {
  sweepDir: string;
  jobs: PlannedJob[];
  done: PlannedJob[];
  toRun: PlannedJob[];
}

/** The identity hash of the spec a job folder holds (its result's, else its spec.json's), if it has a readable one. */
function folderIdentity(dir: string): string | undefined {
  const fromResult = readResult(dir)?.spec;
  let spec: JobSpec | undefined = fromResult;
  if (!spec && existsSync(join(dir, SPEC_FILE))) {
    try {
      const parsed = JobSpecSchema.safeParse(readJsonFile(join(dir, SPEC_FILE)));
      if (parsed.success) spec = parsed.data;
    } catch {
      // An unreadable spec.json is a folder of no job: the job it was for runs again in its own folder.
    }
  }
  if (!spec) return undefined;
  try {
    return identityHash(spec);
  } catch (err) {
    // A spec nested too deep to hash (no ash version writes one) stops the planning, naming the file.
    if (err instanceof UserError) throw new UserError(`${join(dir, fromResult ? RESULT_FILE : SPEC_FILE)}: spec: ${err.message}; delete the file to run the job again`);
    throw err;
  }
}

/** Job folders of a sweep by the identity of what they hold. Links are not followed: a results folder owns its job folders. */
export function foldersByIdentity(sweepDir: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(sweepDir)) return found;
  for (const entry of readdirSync(sweepDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = join(sweepDir, entry.name);
    if (lstatSync(dir).isSymbolicLink()) continue;
    const identity = folderIdentity(dir);
    // A finished folder wins over an unfinished one with the same identity (e.g. a rerun started under a new id).
    if (identity && (!found.has(identity) || readResult(found.get(identity)!) === undefined)) found.set(identity, dir);
  }
  return found;
}

/** A finished folder adopted under a new label: its spec.json and result.json say the label the config says now. */
function relabel(dir: string, previous: JobResult, spec: JobSpec): JobResult {
  if (previous.spec.label === spec.label) return previous;
  const updated: JobResult = { ...previous, spec: { ...previous.spec, label: spec.label } };
  writeResult(dir, updated);
  if (existsSync(join(dir, SPEC_FILE))) writeJsonAtomic(join(dir, SPEC_FILE), { ...(readJsonFile(join(dir, SPEC_FILE)) as object), label: spec.label });
  return updated;
}

/**
 * The plan for `jobs` in `sweepDir`. With `adopt` (a real run, not a dry run), a finished folder found under an
 * older name is relabelled in place when the config's label changed.
 */
export function planJobs(jobs: Job[], sweepDir: string, options: { adopt?: boolean } = {}): Plan {
  const existing = foldersByIdentity(sweepDir);
  const planned = jobs.map((job): PlannedJob => {
    const found = existing.get(identityHash(job.spec));
    const dir = found ?? join(sweepDir, job.id);
    // A folder found by identity keeps its name: it is the job's id from then on (results and reports key by it).
    const id = found ? found.slice(sweepDir.length).replace(/^[\\/]+/, '') : job.id;
    const previous = found ? readResult(found) : undefined;
    if (!previous) return { ...job, id, dir, state: 'todo' };
    if (previous.status === 'failed') return { ...job, id, dir, state: 'retry', previous };
    const current = options.adopt ? relabel(dir, previous, job.spec) : previous;
    return { ...job, id, dir, state: 'done', previous: current };
  });
  return {
    sweepDir,
    jobs: planned,
    done: planned.filter((j) => j.state === 'done'),
    toRun: planned.filter((j) => j.state !== 'done'),
  };
}
