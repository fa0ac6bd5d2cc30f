// `ash status DIR`: how far a sweep has got, from the files alone (so it works from any machine that
// sees the shared results directory), plus what squeue says about its SLURM array when squeue is
// on PATH. DIR is a sweep directory (it has sweep.json) or a results root holding several.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../engine/errors.js';
import { readResult } from './result.js';
import { readSlurmRecord } from './slurm.js';
import { readJsonFile, SPEC_FILE, SWEEP_FILE } from './store.js';

export type JobProgress = 'ok' | 'diverged' | 'failed' | 'started' | 'pending';

export interface SweepStatus {
  dir: string;
  name: string;
  total: number;
  counts: Record<JobProgress, number>;
  slurm?: { jobIds: string[]; queue: string[] | { unavailable: string } };
}

function readJobList(dir: string): { name: string; jobs: string[] } {
  const file = join(dir, SWEEP_FILE);
  let raw: unknown;
  try {
    raw = readJsonFile(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read it (${(err as Error).message}); expected the sweep.json that ash sweep writes`);
  }
  const value = raw as { name?: unknown; jobs?: unknown };
  if (typeof value.name !== 'string' || !Array.isArray(value.jobs) || !value.jobs.every((j) => typeof j === 'string')) {
    throw new UserError(`${file}: expected fields 'name' (a string) and 'jobs' (a list of job ids)`);
  }
  return { name: value.name, jobs: value.jobs as string[] };
}

/** squeue lines for these SLURM job ids, or why there are none. */
export async function queueLines(jobIds: string[], env?: Record<string, string>): Promise<string[] | { unavailable: string }> {
  const r = await execa('squeue', ['--noheader', '--array', '--jobs', jobIds.join(','), '--format', '%i %T %M %R'], { reject: false, ...(env ? { env } : {}) });
  if (r.failed && r.exitCode === undefined) return { unavailable: 'squeue is not on PATH' };
  // squeue exits non-zero for job ids it no longer knows: the array has left the queue.
  if (r.exitCode !== 0) return /Invalid job id/i.test(String(r.stderr)) ? [] : { unavailable: `squeue failed: ${String(r.stderr).trim()}` };
  return String(r.stdout).split('\n').map((l) => l.trim()).filter(Boolean);
}

export async function sweepStatus(dir: string, options: { squeue?: boolean; env?: Record<string, string> } = {}): Promise<SweepStatus> {
  const { name, jobs } = readJobList(dir);
  const counts: Record<JobProgress, number> = { ok: 0, diverged: 0, failed: 0, started: 0, pending: 0 };
  for (const id of jobs) {
    const jobDir = join(dir, id);
    const result = readResult(jobDir);
    if (result) counts[result.status]++;
    else if (existsSync(join(jobDir, SPEC_FILE))) counts.started++;
    else counts.pending++;
  }
  const status: SweepStatus = { dir, name, total: jobs.length, counts };
  const record = readSlurmRecord(dir);
  if (record && record.submissions.length > 0) {
    const jobIds = record.submissions.map((s) => s.jobId);
    status.slurm = { jobIds, queue: options.squeue === false ? { unavailable: 'not asked' } : await queueLines(jobIds, options.env) };
  }
  return status;
}

/** The sweep directories under `dir`: itself when it has sweep.json, else its children that do. */
export function findSweepDirs(dir: string): string[] {
  if (!existsSync(dir)) throw new UserError(`${dir} does not exist (expected a sweep's results directory, e.g. results/smoke)`);
  if (existsSync(join(dir, SWEEP_FILE))) return [dir];
  const found = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, SWEEP_FILE)))
    .map((e) => join(dir, e.name))
    .sort();
  if (found.length === 0) throw new UserError(`${dir} holds no sweep.json, nor do its folders (expected a sweep's results directory, e.g. results/smoke)`);
  return found;
}

export function formatStatus(s: SweepStatus): string {
  const done = s.counts.ok + s.counts.diverged + s.counts.failed;
  const pct = s.total === 0 ? 100 : (100 * done) / s.total;
  const lines = [
    `sweep ${s.name} (${s.dir}): ${done} of ${s.total} jobs finished (${pct.toFixed(0)}%): ` +
      `${s.counts.ok} ok, ${s.counts.diverged} diverged, ${s.counts.failed} failed; ${s.counts.started} started without a result, ${s.counts.pending} not started`,
  ];
  if (s.slurm) {
    lines.push(`  SLURM job${s.slurm.jobIds.length === 1 ? '' : 's'} ${s.slurm.jobIds.join(', ')}:`);
    const q = s.slurm.queue;
    if (Array.isArray(q)) lines.push(q.length === 0 ? '    no task queued or running' : `    ${q.length} task${q.length === 1 ? '' : 's'} in the queue (id state time reason):`, ...q.map((l) => `      ${l}`));
    else lines.push(`    queue unknown: ${q.unavailable}`);
  }
  return lines.join('\n');
}
