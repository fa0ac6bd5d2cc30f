// Where each of the paper's Tables 1-7 stands: the configs that reproduce it (GPU and CPU), the datasets
// they need and whether those are on disk, how many runs of each cell have finished, and whether the seeds
// run so far could detect the gap the paper claims between ASH and its best baseline.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadSweepConfig } from '../config/load.js';
import { expandJobs } from '../config/expand.js';
import { deepMerge, isPlainObject, type Plain } from '../config/merge.js';
import { ConfigError, formatProblem } from '../config/problems.js';
import { CIFAR10, CIFAR100, CIFAR100_COARSE, locateCifar } from '../data/cifar.js';
import { IMAGEFOLDER, TINY_IMAGENET, type ImageFolderVariant } from '../data/imagefolder.js';
import { checkDataset as checkDatasetFiles, getAnyDataset } from '../data/registry.js';
import { UserError } from '../engine/errors.js';
import { aggregate } from '../report/aggregate.js';
import { loadResults, type LoadedResult, type LoadProblem } from '../report/load.js';
import { activationLabel, paperActivationLabel, paperModelKey } from '../report/names.js';
import { listPaperTables, loadPaperTable, PAPER_DATA_DIR, paperModels, type PaperTable } from '../report/paper.js';
import { gapPower, paperAshAndBest, type GapPower } from '../report/power-check.js';

/** configs/ of this package (next to src/ and dist/). */
export const PACKAGE_CONFIG_DIR = fileURLToPath(new URL('../../configs/', import.meta.url));

export interface DatasetCheck {
  dataset: string;
  dataDir?: string;
  present: boolean;
  /** Where the data was found, or why it was not. */
  detail: string;
}

export interface ConfigStatus {
  file: string;
  name?: string;
  /** cpu when the config asks for the wasm or cpu backend, else gpu. */
  machine: 'gpu' | 'cpu';
  valid: boolean;
  /** The first validation problem of an invalid config (and how many there are). */
  problem?: string;
  activations: string[];
  models: string[];
  datasets: DatasetCheck[];
  seeds: number[];
  jobs: number;
}

/** A config as read, with the job ids of its exact recipe when it validates. */
interface ReadConfig {
  status: ConfigStatus;
  merged: Plain;
  jobIds?: Set<string>;
}

export interface CellStatus {
  /** The config file the cell belongs to, and its sweep (the results folder the runs are read from). */
  config: string;
  sweep: string;
  label: string;
  model: string;
  dataset: string;
  expectedSeeds: number[];
  finishedSeeds: number[];
  diverged: number;
  failed: number;
  missingSeeds: number[];
  /** Runs at this cell and seed whose job id is not the config's: trained with another recipe, not counted. */
  otherRecipe: number;
}

/** The power question of one model x dataset of a paper config: the paper's gap, our spread, the seeds it needs. */
export interface PowerCheck extends GapPower {
  config: string;
  sweep: string;
  model: string;
  dataset: string;
  /** The paper's column this model stands for (itself, or its family's member in the paper). */
  paperModel: string;
  metric: string;
}

export interface TableStatus {
  id: string;
  /** What the table is, from the CSV's first note line. */
  title: string;
  metric: string;
  paperModels: string[];
  configs: ConfigStatus[];
  cells?: CellStatus[];
  power?: PowerCheck[];
  /** Sweeps in the results whose sweep.json names this table but that no listed config runs (e.g. an older config). */
  otherSweeps?: { sweep: string; runs: number }[];
}

export interface PaperStatus {
  configDir: string;
  /** The power the seed counts aim for, at alpha. */
  targetPower: number;
  alpha: number;
  resultsDir?: string;
  tables: TableStatus[];
  problems: LoadProblem[];
}

export interface PaperStatusOptions {
  configDir?: string;
  resultsDir?: string;
  paperDir?: string;
  /** Target power and level of the seed count; defaults 0.8 and 0.05. */
  power?: number;
  alpha?: number;
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** *.yaml under `dir` and its sub-folders (two levels: configs/paper/x.yaml). */
function yamlFiles(dir: string, depth = 0): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < 2 && !entry.name.startsWith('.')) out.push(...yamlFiles(path, depth + 1));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out;
}

/**
 * The merged, unvalidated content of a config and the files it extends; undefined when it is not a sweep
 * config (a file that cannot be read or parsed is simply not listed: `ash validate` is the tool for it).
 */
export function readMerged(file: string, seen: string[] = []): Plain | undefined {
  if (seen.includes(resolve(file)) || seen.length > 16) return undefined;
  let value: unknown;
  try {
    value = YAML.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const { extends: base, ...rest } = value;
  if (typeof base !== 'string') return rest;
  const merged = readMerged(resolve(dirname(file), base), [...seen, resolve(file)]);
  return merged ? (deepMerge(merged, rest) as Plain) : rest;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The row label the report prints for a grid entry (see report/aggregate.ts rowLabel). */
function entryLabel(name: string, label: string | undefined): string {
  return label === undefined || label.toLowerCase() === name.toLowerCase() ? activationLabel(name) : label;
}

function rawActivations(value: unknown): { name: string; label: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    if (typeof entry === 'string') return [{ name: entry, label: entryLabel(entry, undefined) }];
    if (isPlainObject(entry) && typeof entry.name === 'string') {
      return [{ name: entry.name, label: entryLabel(entry.name, typeof entry.label === 'string' ? entry.label : undefined) }];
    }
    return [];
  });
}

const CIFAR_VARIANTS = { cifar10: CIFAR10, cifar100: CIFAR100, 'cifar100-coarse': CIFAR100_COARSE } as const;
const FOLDER_VARIANTS: Record<string, ImageFolderVariant> = { imagefolder: IMAGEFOLDER, 'tiny-imagenet': TINY_IMAGENET };

/** Whether a dataset's files are where the config points, by the readers' own lookups (nothing is decoded). */
export function checkDataset(dataset: string, dataDir: string | undefined): DatasetCheck {
  const base = { dataset, ...(dataDir !== undefined ? { dataDir } : {}) };
  const cifar = CIFAR_VARIANTS[dataset as keyof typeof CIFAR_VARIANTS];
  if (cifar) {
    try {
      return { ...base, present: true, detail: display(resolve(locateCifar(cifar, dataDir))) };
    } catch (err) {
      if (err instanceof UserError) return { ...base, present: false, detail: err.message };
      throw err;
    }
  }
  const folder = FOLDER_VARIANTS[dataset];
  if (folder) {
    const root = dataDir ?? folder.defaultDirs.find((d) => existsSync(d));
    if (root === undefined) return { ...base, present: false, detail: `no data directory given (${folder.howToGet})` };
    const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
    const evalSplit = ['val', 'validation', 'test'].find((s) => isDir(join(root, s)));
    if (isDir(join(root, 'train')) && evalSplit) return { ...base, present: true, detail: `${display(resolve(root))} (train/, ${evalSplit}/)` };
    return { ...base, present: false, detail: `${root}: expected train/ and val/ class folders (${folder.howToGet})` };
  }
  // Datasets with a preflight check (the MNIST family: Debian's Fashion-MNIST lives in /usr/share/datasets) are
  // looked for where their reader looks, with or without a dataDir.
  if (getAnyDataset(dataset).check) {
    try {
      checkDatasetFiles(dataset, dataDir !== undefined ? { dataDir } : {});
      return { ...base, present: true, detail: dataDir !== undefined ? display(resolve(dataDir)) : 'found where its reader looks by default' };
    } catch (err) {
      if (err instanceof UserError) return { ...base, present: false, detail: err.message };
      throw err;
    }
  }
  if (dataDir !== undefined) {
    return existsSync(dataDir) ? { ...base, present: true, detail: `${dataDir} exists (contents not checked)` } : { ...base, present: false, detail: `${dataDir} does not exist` };
  }
  return { ...base, present: false, detail: 'no dataDir in the config; not checked' };
}

function readConfig(file: string, merged: Plain): ReadConfig {
  const backend = typeof merged.backend === 'string' ? merged.backend : 'auto';
  const grid = isPlainObject(merged.grid) ? merged.grid : {};
  const data = isPlainObject(merged.data) ? merged.data : {};
  const dataDir = typeof data.dataDir === 'string' ? data.dataDir : undefined;
  let valid = true;
  let problem: string | undefined;
  let jobIds: Set<string> | undefined;
  try {
    jobIds = new Set(expandJobs(loadSweepConfig(display(file)).config).map((j) => j.id));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    valid = false;
    const more = err.problems.length > 1 ? ` (and ${err.problems.length - 1} more: ash validate ${display(file)})` : '';
    problem = `${err.problems[0] ? formatProblem(err.problems[0]) : err.message}${more}`;
  }
  const activations = rawActivations(grid.activation).map((a) => a.label);
  const models = stringList(grid.model);
  const datasets = stringList(grid.dataset);
  const seeds = Array.isArray(merged.seeds) ? merged.seeds.filter((s): s is number => typeof s === 'number') : [];
  const status: ConfigStatus = {
    file: display(file),
    ...(typeof merged.name === 'string' ? { name: merged.name } : {}),
    machine: backend === 'wasm' || backend === 'cpu' ? 'cpu' : 'gpu',
    valid,
    ...(problem !== undefined ? { problem } : {}),
    activations,
    models,
    datasets: datasets.map((d) => checkDataset(d, dataDir)),
    seeds,
    jobs: jobIds?.size ?? activations.length * models.length * datasets.length * seeds.length,
  };
  return { status, merged, ...(jobIds ? { jobIds } : {}) };
}

/** The paper column a model of ours stands for: its own, else its family's member in the table (resnet20 -> resnet164). */
export function paperColumnFor(model: string, columns: readonly string[]): string | undefined {
  const own = paperModelKey(model);
  if (own !== undefined && columns.includes(own)) return own;
  const family = /^(resnet|wrn|densenet|efficientnet)/.exec(model)?.[1];
  return family ? columns.find((c) => c.startsWith(family)) : undefined;
}

/**
 * Finished, diverged and failed runs of each expected cell, matched by sweep name and grid position; for a
 * config that validates only runs with its exact job ids (its recipe) count.
 */
function cellStatuses({ status: config, merged, jobIds }: ReadConfig, runs: readonly LoadedResult[]): CellStatus[] {
  const name = config.name ?? '';
  const grid = isPlainObject(merged.grid) ? merged.grid : {};
  const mine = runs.filter((r) => r.sweep === name);
  const cells: CellStatus[] = [];
  for (const dataset of config.datasets.map((d) => d.dataset)) {
    for (const model of config.models) {
      for (const { label } of rawActivations(grid.activation)) {
        const cellRuns = mine.filter((r) => r.result.spec.model === model && r.result.spec.dataset === dataset && entryLabel(r.result.spec.activation.name, r.result.spec.label) === label);
        const finished = new Set<number>();
        let diverged = 0;
        let failed = 0;
        let otherRecipe = 0;
        for (const run of cellRuns) {
          if (!config.seeds.includes(run.result.spec.seed)) continue;
          if (jobIds && !jobIds.has(run.result.jobId)) {
            otherRecipe++;
            continue;
          }
          if (run.result.status === 'ok') finished.add(run.result.spec.seed);
          else if (run.result.status === 'diverged') diverged++;
          else failed++;
        }
        const finishedSeeds = [...finished].sort((a, b) => a - b);
        cells.push({
          config: config.file,
          sweep: name,
          label,
          model,
          dataset,
          expectedSeeds: config.seeds,
          finishedSeeds,
          diverged,
          failed,
          missingSeeds: config.seeds.filter((s) => !finished.has(s)),
          otherRecipe,
        });
      }
    }
  }
  return cells;
}

/** Per model: the paper's ASH-vs-best-baseline gap, the measured spread, the seeds it needs and the power so far. */
function powerChecks(table: PaperTable, metric: string, { status: config, jobIds }: ReadConfig, runs: readonly LoadedResult[], target: number, alpha: number): PowerCheck[] {
  const name = config.name ?? '';
  const rows = aggregate(
    runs.filter((r) => r.sweep === name && (!jobIds || jobIds.has(r.result.jobId))),
    [metric],
  ).rows;
  const columns = paperModels(table);
  const checks: PowerCheck[] = [];
  for (const dataset of config.datasets.map((d) => d.dataset)) {
    for (const model of config.models) {
      const paperModel = paperColumnFor(model, columns);
      if (paperModel === undefined) continue;
      const column = table.entries.filter((e) => e.model === paperModel && e.metric === metric);
      // The paper's tables of these sweeps are accuracies and mIoU/mAP: higher is better.
      const pair = paperAshAndBest(column, true);
      if (!pair) continue;
      const valuesOf = (paperLabel: string) =>
        rows.find((r) => r.model === model && r.dataset === dataset && paperActivationLabel(r.label) === paperLabel)?.values ?? [];
      const power = gapPower({
        baseline: pair.best.activation,
        paperGap: pair.ash.mean - pair.best.mean,
        higherIsBetter: true,
        ashValues: valuesOf('ASH'),
        bestValues: valuesOf(pair.best.activation),
        alpha,
        target,
      });
      checks.push({ config: config.file, sweep: name, model, dataset, paperModel, metric, ...power });
    }
  }
  return checks;
}

/** Everything `ash paper` prints. */
export function paperStatus(options: PaperStatusOptions = {}): PaperStatus {
  const configDir = options.configDir ?? PACKAGE_CONFIG_DIR;
  if (options.configDir !== undefined && !(existsSync(configDir) && statSync(configDir).isDirectory())) {
    throw new UserError(`--configs '${configDir}' is not a directory (expected a folder of sweep configs)`);
  }
  const paperDir = options.paperDir ?? PAPER_DATA_DIR;
  const target = options.power ?? 0.8;
  const alpha = options.alpha ?? 0.05;
  const loaded = options.resultsDir !== undefined ? loadResults(options.resultsDir) : undefined;
  const configs = yamlFiles(configDir).flatMap((file) => {
    const merged = readMerged(file);
    return merged && typeof merged.paper === 'string' && isPlainObject(merged.grid) ? [{ file, merged, paper: merged.paper }] : [];
  });
  const tables = listPaperTables(paperDir).map((id): TableStatus => {
    const table = loadPaperTable(id, paperDir);
    const metric = table.entries[0]?.metric ?? 'top1';
    const mine = configs.filter((c) => c.paper === id);
    const described = mine.map((c) => readConfig(c.file, c.merged));
    const status: TableStatus = {
      id,
      title: table.notes[0] ?? id,
      metric,
      paperModels: paperModels(table),
      configs: described.map((d) => d.status),
    };
    if (loaded) {
      status.cells = described.flatMap((d) => cellStatuses(d, loaded.results));
      status.power = described.flatMap((d) => powerChecks(table, metric, d, loaded.results, target, alpha));
      const listed = new Set(described.map((d) => d.status.name));
      status.otherSweeps = [...loaded.sweeps]
        .filter(([sweep, info]) => info.paper === id && !listed.has(sweep))
        .map(([sweep]) => ({ sweep, runs: loaded.results.filter((r) => r.sweep === sweep).length }));
    }
    return status;
  });
  return { configDir: display(configDir), targetPower: target, alpha, ...(options.resultsDir !== undefined ? { resultsDir: options.resultsDir } : {}), tables, problems: loaded?.problems ?? [] };
}

function seedList(seeds: readonly number[]): string {
  return seeds.length === 0 ? 'none' : seeds.join(',');
}

/** The plain-text listing. */
export function formatPaperStatus(status: PaperStatus): string {
  const lines: string[] = [];
  for (const table of status.tables) {
    lines.push(`${table.id}  (${table.metric}; paper columns ${table.paperModels.join(', ')})`);
    lines.push(`  ${table.title}`);
    for (const machine of ['gpu', 'cpu'] as const) {
      const configs = table.configs.filter((c) => c.machine === machine);
      if (configs.length === 0) lines.push(`  ${machine.toUpperCase()}: no config yet`);
      for (const c of configs) {
        const validity = c.valid ? `valid, ${c.jobs} jobs` : `does not validate yet: ${c.problem}`;
        lines.push(`  ${machine.toUpperCase()}: ${c.file} (sweep ${c.name ?? '?'}; ${validity})`);
        lines.push(`    ${c.activations.length} activations x ${c.models.join(', ')} x seeds ${seedList(c.seeds)}`);
        for (const d of c.datasets) lines.push(`    data ${d.dataset}: ${d.present ? 'present' : 'MISSING'}: ${d.detail}`);
      }
    }
    if (table.cells) {
      for (const c of table.configs) {
        const cells = table.cells.filter((cell) => cell.config === c.file);
        if (cells.length === 0) continue;
        const expected = cells.reduce((s, cell) => s + cell.expectedSeeds.length, 0);
        const finished = cells.reduce((s, cell) => s + cell.finishedSeeds.length, 0);
        const where = `${status.resultsDir}/${c.name}`;
        if (cells.every((cell) => cell.finishedSeeds.length + cell.diverged + cell.failed + cell.otherRecipe === 0)) {
          lines.push(`  results of ${c.file}: none yet (no runs in ${where})`);
          continue;
        }
        lines.push(`  results of ${c.file} (${where}): ${finished}/${expected} runs finished`);
        const incomplete = cells.filter((cell) => cell.missingSeeds.length > 0);
        for (const cell of incomplete.slice(0, 12)) {
          const extra = [
            cell.diverged ? `${cell.diverged} diverged` : '',
            cell.failed ? `${cell.failed} failed` : '',
            cell.otherRecipe ? `${cell.otherRecipe} from another recipe, not counted` : '',
          ]
            .filter(Boolean)
            .join(', ');
          lines.push(`    missing ${cell.label} ${cell.model} ${cell.dataset}: seeds ${seedList(cell.missingSeeds)}${extra ? ` (${extra})` : ''}`);
        }
        if (incomplete.length > 12) lines.push(`    ... and ${incomplete.length - 12} more incomplete cells (--json lists all)`);
      }
    }
    for (const other of table.otherSweeps ?? []) {
      lines.push(`  results also in ${status.resultsDir}/${other.sweep} (${other.runs} run${other.runs === 1 ? '' : 's'}; its sweep names this table but no config here runs it)`);
    }
    for (const p of table.power ?? []) {
      // A config without a single run has nothing to measure: its "results: none yet" line says so.
      if (p.ash.n + p.best.n === 0 && !(table.cells ?? []).some((cell) => cell.config === p.config && cell.finishedSeeds.length > 0)) continue;
      const stand = p.paperModel === p.model ? p.model : `${p.model} (for ${p.paperModel})`;
      const head = `  power ${p.config}: ${stand} ${p.dataset}: paper gap ASH - ${p.baseline} = ${p.paperGap.toFixed(2)}`;
      if (p.note) {
        lines.push(`${head}; ${p.note}`);
        continue;
      }
      const spread = `measured sd ${p.ash.sd!.toFixed(3)} (ASH, n=${p.ash.n}), ${p.best.sd!.toFixed(3)} (${p.baseline}, n=${p.best.n})`;
      const could = p.presentPower! >= status.targetPower ? 'could detect it' : 'could not reliably detect it';
      const needed = p.seedsNeeded === null ? 'no practical number of seeds reaches' : `${p.seedsNeeded} seeds per activation for`;
      lines.push(`${head}; ${spread}: ${needed} power ${status.targetPower}; the present runs ${could} (power ${p.presentPower!.toFixed(2)})`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
