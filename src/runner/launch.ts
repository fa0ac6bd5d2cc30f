// What every cluster executor needs before it writes a script or a manifest: the sweep's jobs, how
// many shards to split them into, and the config frozen as it is now (extends chain merged, --set
// values applied), so that tasks started later run exactly the jobs planned here even if the file
// changes in between.
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { UserError } from '../engine/errors.js';
import { loadSweepConfig, type LoadedConfig } from '../config/load.js';
import { expandJobs, type Job } from '../config/expand.js';

export interface LaunchOptions {
  file: string;
  set?: string | readonly string[];
  out: string;
  /** Shards (array tasks / completion indices); default: one per job. */
  shards?: number;
}

export interface LaunchPlan {
  loaded: LoadedConfig;
  jobs: Job[];
  shards: number;
  /** Absolute <out>/<name>. */
  sweepDir: string;
  /** The config as YAML that loads to the same jobs. */
  frozenConfig: string;
}

export function frozenConfigText(loaded: LoadedConfig): string {
  const { extends: _merged, ...input } = loaded.input;
  const header = `# Frozen from ${loaded.files.join(' <- ')} by ash sweep (extends merged, --set applied).\n`;
  return header + stringify(input);
}

export function planLaunch(options: LaunchOptions): LaunchPlan {
  const loaded = loadSweepConfig(options.file, options.set !== undefined ? { set: options.set } : {});
  const jobs = expandJobs(loaded.config);
  const shards = options.shards ?? jobs.length;
  if (!Number.isInteger(shards) || shards < 1) throw new UserError(`--shards ${options.shards}: expected a whole number >= 1`);
  if (shards > jobs.length) {
    throw new UserError(`--shards ${shards}: the sweep ${loaded.config.name} has only ${jobs.length} job${jobs.length === 1 ? '' : 's'}; use --shards ${jobs.length} or fewer`);
  }
  return { loaded, jobs, shards, sweepDir: resolve(join(options.out, loaded.config.name)), frozenConfig: frozenConfigText(loaded) };
}
