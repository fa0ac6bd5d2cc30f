// What a sweep needs from this machine, checked before any job starts: the backend's package, and each
// dataset's files where the jobs will look for them. Without this, a missing dataset surfaced as every
// job failing (and being retried) with "exit code 2".
import type { Job } from '../config/expand.js';
import { backendUnavailable, type BackendChoice } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { checkDataset } from '../data/registry.js';

/** Every reason the jobs cannot run here; empty when they can. */
export function preflightProblems(backend: BackendChoice, jobs: readonly Job[]): string[] {
  const problems: string[] = [];
  const backendProblem = backendUnavailable(backend);
  if (backendProblem) problems.push(backendProblem);
  // Each dataset once per folder it is read from (overrides may give one dataset several folders).
  const seen = new Set<string>();
  for (const { spec } of jobs) {
    const dataDir = spec.data?.dataDir;
    const key = `${spec.dataset}\0${dataDir ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      checkDataset(spec.dataset, dataDir !== undefined ? { dataDir } : {});
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      problems.push(err.message);
    }
  }
  return problems;
}

/** Throw one UserError for `file` listing what keeps its jobs from running here. */
export function assertPreflight(file: string, backend: BackendChoice, jobs: readonly Job[]): void {
  const problems = preflightProblems(backend, jobs);
  if (problems.length === 1) throw new UserError(`${file}: cannot run: ${problems[0]}`);
  if (problems.length > 1) throw new UserError(`${file}: cannot run (${problems.length} problems):\n  ${problems.join('\n  ')}`);
}
