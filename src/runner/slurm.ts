// `ash sweep FILE --executor slurm`: an sbatch job array, one task per shard, from
// runners/slurm/array.sbatch. The frozen config, the script and the task logs go to
// <sweepDir>/slurm/, and every submission's SLURM job id is appended to <sweepDir>/slurm.json,
// which `ash status` reads to ask squeue about the tasks still queued or running.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { UserError } from '../engine/errors.js';
import { slug } from '../contract/spec.js';
import type { LaunchPlan } from './launch.js';
import { ensureDir, SWEEP_FILE, writeFileAtomic, writeJsonAtomic } from './store.js';
import { fillTemplateFile } from './template.js';

export const SLURM_TEMPLATE = 'slurm/array.sbatch';
export const SLURM_RECORD = 'slurm.json';

export interface SlurmOptions {
  partition?: string;
  /** GPUs per array task (--gres=gpu:G); 0 or absent asks for none. */
  gpus?: number;
  /** Wall-clock limit per task, HH:MM:SS (or D-HH:MM:SS). */
  time?: string;
  cpus?: number;
  /** Memory per task, as sbatch takes it: 16G, 4000M. */
  mem?: string;
  /** Array tasks at once (%K). */
  maxParallel?: number;
  /** Anything else for sbatch, one option per entry: --account=abc. */
  extra?: string[];
}

export interface SlurmSubmission {
  jobId: string;
  submittedAt: string;
  shards: number;
  script: string;
}

export interface SlurmRecord {
  sweep: string;
  submissions: SlurmSubmission[];
}

/** Single-quoted for bash; safe for any text. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The built CLI (dist/cli/main.js), found from this module as the executor finds it. */
export function builtCli(): string {
  const here = import.meta.url;
  return fileURLToPath(here.endsWith('.ts') ? new URL('../../dist/cli/main.js', here) : new URL('../cli/main.js', here));
}

function checkOptions(options: SlurmOptions): void {
  if (options.time !== undefined && !/^(\d+-)?\d{1,2}:\d{2}:\d{2}$/.test(options.time)) {
    throw new UserError(`--time ${options.time}: expected HH:MM:SS or D-HH:MM:SS, e.g. --time 12:00:00`);
  }
  if (options.gpus !== undefined && (!Number.isInteger(options.gpus) || options.gpus < 0)) throw new UserError(`--gpus-per-job ${options.gpus}: expected a whole number >= 0`);
  if (options.cpus !== undefined && (!Number.isInteger(options.cpus) || options.cpus < 1)) throw new UserError(`--cpus-per-job ${options.cpus}: expected a whole number >= 1`);
  if (options.maxParallel !== undefined && (!Number.isInteger(options.maxParallel) || options.maxParallel < 1)) throw new UserError(`--parallelism ${options.maxParallel}: expected a whole number >= 1`);
  if (options.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(options.partition)) throw new UserError(`--partition '${options.partition}': expected a partition name (letters, digits, '_', '.', '-'; several comma-separated)`);
  if (options.mem !== undefined && !/^\d+[KMGT]?$/.test(options.mem)) throw new UserError(`--mem '${options.mem}': expected a size as sbatch takes it, e.g. 16G or 4000M`);
}

export function slurmDir(plan: LaunchPlan): string {
  return join(plan.sweepDir, 'slurm');
}

/** The sbatch script for `plan`, with the paths it will have once written. */
export function renderSbatchScript(plan: LaunchPlan, options: SlurmOptions, cli = builtCli()): string {
  checkOptions(options);
  const dir = slurmDir(plan);
  const lines: string[] = [];
  if (options.partition) lines.push(`--partition=${options.partition}`);
  if (options.gpus) lines.push(`--gres=gpu:${options.gpus}`);
  if (options.time) lines.push(`--time=${options.time}`);
  lines.push(`--cpus-per-task=${options.cpus ?? 1}`);
  if (options.mem) lines.push(`--mem=${options.mem}`);
  for (const extra of options.extra ?? []) {
    if (!extra.startsWith('-') || /[\n\r]/.test(extra)) throw new UserError(`--sbatch '${extra}': expected one sbatch option such as --account=abc`);
    lines.push(extra);
  }
  return fillTemplateFile(SLURM_TEMPLATE, {
    JOB_NAME: shellQuote(`ash-${slug(plan.loaded.config.name)}`),
    LAST_SHARD: String(plan.shards - 1),
    ARRAY_THROTTLE: options.maxParallel ? `%${options.maxParallel}` : '',
    LOG_PATTERN: shellQuote(join(dir, 'logs', '%A_%a.out')),
    SBATCH_OPTIONS: lines.map((l) => `#SBATCH ${l}`).join('\n'),
    WORKDIR: shellQuote(process.cwd()),
    NODE: shellQuote(process.execPath),
    CLI: shellQuote(cli),
    CONFIG: shellQuote(join(dir, 'sweep.yaml')),
    SHARDS: String(plan.shards),
    OUT: shellQuote(join(plan.sweepDir, '..')),
  });
}

export function readSlurmRecord(sweepDir: string): SlurmRecord | undefined {
  const file = join(sweepDir, SLURM_RECORD);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SlurmRecord;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); expected the record ash sweep --executor slurm writes`);
  }
}

/** Write the config, script and log folder, submit with sbatch, and record the job id. */
export async function submitSlurmArray(plan: LaunchPlan, options: SlurmOptions, env?: Record<string, string>): Promise<SlurmSubmission> {
  const script = renderSbatchScript(plan, options);
  const dir = slurmDir(plan);
  ensureDir(dir);
  ensureDir(join(dir, 'logs'));
  writeFileAtomic(join(dir, 'sweep.yaml'), plan.frozenConfig);
  const scriptFile = join(dir, 'array.sbatch');
  writeFileAtomic(scriptFile, script, 0o755);
  const submitted = await execa('sbatch', ['--parsable', scriptFile], { reject: false, ...(env ? { env } : {}) });
  if (submitted.failed && submitted.exitCode === undefined && /ENOENT/.test(submitted.message ?? '')) {
    throw new UserError('sbatch is not on PATH: run this on a SLURM login node, or use --dry-run to print the script');
  }
  if (submitted.exitCode !== 0) throw new UserError(`sbatch ${scriptFile} failed (exit ${submitted.exitCode}): ${String(submitted.stderr).trim() || String(submitted.stdout).trim()}`);
  // --parsable prints "jobid" or "jobid;cluster".
  const jobId = String(submitted.stdout).trim().split(';')[0]!;
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch printed '${String(submitted.stdout).trim()}', expected a job id`);
  // The job list for `ash status` before the first task starts (each task rewrites it the same way).
  const sweepFile = join(plan.sweepDir, SWEEP_FILE);
  if (!existsSync(sweepFile)) {
    writeJsonAtomic(sweepFile, { name: plan.loaded.config.name, files: plan.loaded.files, config: plan.loaded.config, jobs: plan.jobs.map((j) => j.id), submittedAt: new Date().toISOString() });
  }
  const submission: SlurmSubmission = { jobId, submittedAt: new Date().toISOString(), shards: plan.shards, script: scriptFile };
  const record = readSlurmRecord(plan.sweepDir) ?? { sweep: plan.loaded.config.name, submissions: [] };
  record.submissions.push(submission);
  writeJsonAtomic(join(plan.sweepDir, SLURM_RECORD), record);
  return submission;
}
