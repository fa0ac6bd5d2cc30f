// What a reader needs to judge a sweep's numbers: how many runs, on what, with which recipe, how long.
import { rowLabel } from './aggregate.js';
import type { LoadedResult } from './load.js';

/** What a run's env field records, in words, for the report's metadata. */
export const ENV_MEANINGS: Record<string, string> = {
  params: 'trainable parameters of the model as built; they differ by model and by activation (ASH learns z and alpha at each activation site, PReLU a slope per channel, Swish its β when trained)',
  activationSites: 'activation layers in the model (where the activation under test was plugged in)',
  trainCount: 'training images used (the dataset, or data.trainLimit)',
  testCount: 'test images used (the dataset, or data.testLimit)',
  simd: 'WebAssembly SIMD in use',
  threads: 'WebAssembly threads in use',
  nativeKernels: 'native oneDNN kernels in use (they change rounding, not what is computed)',
  cpu: 'CPU model',
  host: 'machine name',
  dataSource: 'data files read',
};

/** An env field whose value is not the same in every run, with which runs had which value. */
export interface VaryingField {
  key: string;
  meaning?: string;
  values: { value: string; runs: string }[];
}

export interface RunMetadata {
  runs: { ok: number; diverged: number; failed: number };
  backends: string[];
  /** package -> distinct versions seen. */
  versions: Record<string, string[]>;
  /** Distinct training recipes (spec.train with spec.data), as pretty JSON, with how many runs used each. */
  recipes: { recipe: string; runs: number }[];
  commits: string[];
  /** Other scalar env fields (node, platform, device...) -> distinct values. */
  environment: Record<string, string[]>;
  /** The env fields of `environment` with more than one value, each value with the runs that had it. */
  varying: VaryingField[];
  /**
   * Sum over jobs of their recorded seconds (over all attempts of a resumed job), or finishedAt - startedAt for
   * results without seconds; null when no job has either.
   */
  computeSeconds: number | null;
  /** First start to last finish. */
  firstStart: string | null;
  lastFinish: string | null;
  elapsedSeconds: number | null;
  paperTables: string[];
}

function distinct(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => v !== undefined && v !== ''))].sort();
}

function commitOf(env: Record<string, unknown>): string | undefined {
  for (const key of ['commit', 'gitCommit', 'git_commit', 'gitSha', 'git']) {
    const value = env[key];
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && typeof (value as { commit?: unknown }).commit === 'string') {
      return (value as { commit: string }).commit;
    }
  }
  return undefined;
}

// pid differs in every job and says nothing about the numbers.
const LISTED_ELSEWHERE = new Set(['backend', 'versions', 'commit', 'gitCommit', 'git_commit', 'gitSha', 'git', 'pid']);

export function runMetadata(runs: readonly LoadedResult[]): RunMetadata {
  const counts = { ok: 0, diverged: 0, failed: 0 };
  const versions: Record<string, Set<string>> = {};
  const environment: Record<string, Set<string>> = {};
  // key -> value -> model/dataset -> labels, to say which runs had which value.
  const where = new Map<string, Map<string, Map<string, Set<string>>>>();
  const recipes = new Map<string, number>();
  let computeSeconds: number | null = null;
  let first: number | null = null;
  let last: number | null = null;
  for (const { result } of runs) {
    counts[result.status]++;
    const env = (result.env ?? {}) as Record<string, unknown>;
    for (const [pkg, version] of Object.entries(result.env?.versions ?? {})) (versions[pkg] ??= new Set()).add(version);
    for (const [key, value] of Object.entries(env)) {
      if (LISTED_ELSEWHERE.has(key)) continue;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        (environment[key] ??= new Set()).add(String(value));
        const byValue = where.get(key) ?? new Map<string, Map<string, Set<string>>>();
        where.set(key, byValue);
        const byRun = byValue.get(String(value)) ?? new Map<string, Set<string>>();
        byValue.set(String(value), byRun);
        const modelData = `${result.spec.model} on ${result.spec.dataset}`;
        (byRun.get(modelData) ?? byRun.set(modelData, new Set()).get(modelData)!).add(rowLabel(result));
      }
    }
    if (result.spec.train !== undefined) {
      // The data limits belong to the recipe: the same optimiser on 2000 images is another experiment.
      const recipe = JSON.stringify(result.spec.data === undefined ? result.spec.train : { train: result.spec.train, data: result.spec.data }, null, 2);
      recipes.set(recipe, (recipes.get(recipe) ?? 0) + 1);
    }
    const start = result.startedAt ? Date.parse(result.startedAt) : Number.NaN;
    const end = result.finishedAt ? Date.parse(result.finishedAt) : Number.NaN;
    if (Number.isFinite(start)) first = first === null ? start : Math.min(first, start);
    if (Number.isFinite(end)) last = last === null ? end : Math.max(last, end);
    // A resumed job's startedAt is its first attempt's: finishedAt - startedAt would count the pauses between attempts.
    if (typeof result.seconds === 'number' && Number.isFinite(result.seconds) && result.seconds >= 0) computeSeconds = (computeSeconds ?? 0) + result.seconds;
    else if (Number.isFinite(start) && Number.isFinite(end) && end >= start) computeSeconds = (computeSeconds ?? 0) + (end - start) / 1000;
  }
  const sorted = (record: Record<string, Set<string>>): Record<string, string[]> =>
    Object.fromEntries(Object.keys(record).sort().map((k) => [k, [...record[k]!].sort()]));
  return {
    runs: counts,
    backends: distinct(runs.map((r) => (typeof r.result.env.backend === 'string' ? r.result.env.backend : r.result.spec.backend))),
    versions: sorted(versions),
    recipes: [...recipes].map(([recipe, n]) => ({ recipe, runs: n })),
    commits: distinct(runs.map((r) => commitOf((r.result.env ?? {}) as Record<string, unknown>))),
    environment: sorted(environment),
    varying: [...where]
      .filter(([, byValue]) => byValue.size > 1)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, byValue]) => ({
        key,
        ...(ENV_MEANINGS[key] ? { meaning: ENV_MEANINGS[key] } : {}),
        values: [...byValue]
          .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
          .map(([value, byRun]) => ({ value, runs: [...byRun].map(([modelData, labels]) => `${[...labels].sort().join(', ')} (${modelData})`).join('; ') })),
      })),
    computeSeconds,
    firstStart: first === null ? null : new Date(first).toISOString(),
    lastFinish: last === null ? null : new Date(last).toISOString(),
    elapsedSeconds: first !== null && last !== null && last >= first ? (last - first) / 1000 : null,
    paperTables: distinct(runs.map((r) => r.result.spec.paper)),
  };
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s} s`;
}

/** One line for the top of a sweep's section. */
export function metadataLine(meta: RunMetadata): string {
  const { ok, diverged, failed } = meta.runs;
  const total = ok + diverged + failed;
  const parts = [`${total} run${total === 1 ? '' : 's'} (${ok} ok, ${diverged} diverged, ${failed} failed)`];
  if (meta.backends.length > 0) parts.push(`backend ${meta.backends.join(', ')}`);
  parts.push(`compute time ${formatDuration(meta.computeSeconds)}`);
  if (meta.elapsedSeconds !== null) parts.push(`elapsed ${formatDuration(meta.elapsedSeconds)}`);
  if (meta.commits.length > 0) parts.push(`commit ${meta.commits.map((c) => c.slice(0, 12)).join(', ')}`);
  return parts.join('; ');
}
