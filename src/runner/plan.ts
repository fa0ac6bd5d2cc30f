// Which jobs of a sweep still need to run. A job is finished when its directory holds a result.json
// with status ok or diverged for exactly its spec; failed jobs run again, and so do jobs with no result.
import { join } from 'node:path';
import { canonicalJson } from '../config/job-id.js';
import type { Job } from '../config/expand.js';
import { UserError } from '../engine/errors.js';
import { readResult, resultPath, type JobResult } from './result.js';

/** Whether two specs mean the same; a stored one that cannot be compared is an error naming its file. */
function sameJson(stored: unknown, planned: unknown, file: string): boolean {
  try {
    return canonicalJson(stored) === canonicalJson(planned);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${file}: spec: ${err.message}; delete the file to run the job again`);
    throw err;
  }
}

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

export function planJobs(jobs: Job[], sweepDir: string): Plan {
  const planned = jobs.map((job): PlannedJob => {
    const dir = join(sweepDir, job.id);
    const previous = readResult(dir);
    if (!previous) return { ...job, dir, state: 'todo' };
    const sameSpec = sameJson(previous.spec, job.spec, resultPath(dir));
    if (!sameSpec) return { ...job, dir, state: 'todo' };
    return { ...job, dir, state: previous.status === 'failed' ? 'retry' : 'done', previous };
  });
  return {
    sweepDir,
    jobs: planned,
    done: planned.filter((j) => j.state === 'done'),
    toRun: planned.filter((j) => j.state !== 'done'),
  };
}
