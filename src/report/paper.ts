// The paper's Tables 1-7, shipped in data/paper/*.csv (activation,metric,model,mean,ci95 with '#' note lines).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { UserError, unknownName } from '../engine/errors.js';

export interface PaperEntry {
  activation: string;
  metric: string;
  model: string;
  mean: number;
  /** Empty in the paper's text for some columns (cut off): null, not 0. */
  ci95: number | null;
}

export interface PaperTable {
  id: string;
  file: string;
  /** The comment lines of the CSV: where the numbers come from and what was reconstructed. */
  notes: string[];
  /** Our dataset key the table is about. */
  dataset: string;
  entries: PaperEntry[];
}

/** src/report/ and dist/report/ both sit two levels below the package root. */
export const PAPER_DATA_DIR = fileURLToPath(new URL('../../data/paper/', import.meta.url));

const TABLE_DATASETS: Record<string, string> = {
  imagenet: 'imagenet',
  cifar10: 'cifar10',
  cifar100: 'cifar100',
  coco: 'coco',
  'voc-detection': 'voc-detection',
  ade20k: 'ade20k',
  // Our dataset names: VOC's segmentation masks are the voc-segmentation dataset (data/registry.ts).
  'voc-segmentation': 'voc-segmentation',
};

const COLUMNS = ['activation', 'metric', 'model', 'mean', 'ci95'] as const;

export function listPaperTables(dir = PAPER_DATA_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => f.slice(0, -'.csv'.length))
    .sort();
}

/** Resolves 'table2-cifar10', 'table2' or 'cifar10' to a table id. */
export function resolvePaperTableId(name: string, dir = PAPER_DATA_DIR): string {
  const ids = listPaperTables(dir);
  if (ids.includes(name)) return name;
  const matches = ids.filter((id) => id.startsWith(`${name}-`) || id.endsWith(`-${name}`));
  if (matches.length === 1) return matches[0]!;
  throw unknownName('paper table', name, ids);
}

function parseNumber(file: string, line: number, field: string, text: string, allowEmpty: boolean): number | null {
  if (text.trim() === '' && allowEmpty) return null;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UserError(`${file}, line ${line}: field '${field}' must be a number, got '${text}'`);
  }
  return value;
}

export function parsePaperTable(id: string, file: string, text: string): PaperTable {
  const lines = text.split(/\r?\n/);
  const notes = lines.filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s?/, ''));
  const records = parse(text, { comment: '#', skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as {
    record: string[];
    info: { lines: number };
  }[];
  const [header, ...body] = records;
  if (!header || header.record.join(',') !== COLUMNS.join(',')) {
    throw new UserError(`${file}: header must be '${COLUMNS.join(',')}', got '${header?.record.join(',') ?? '(empty file)'}'`);
  }
  const entries = body.map(({ record, info }): PaperEntry => {
    if (record.length !== COLUMNS.length) {
      throw new UserError(`${file}, line ${info.lines}: expected ${COLUMNS.length} fields (${COLUMNS.join(',')}), got ${record.length}`);
    }
    const [activation, metric, model, mean, ci95] = record as [string, string, string, string, string];
    return {
      activation,
      metric,
      model,
      mean: parseNumber(file, info.lines, 'mean', mean, false)!,
      ci95: parseNumber(file, info.lines, 'ci95', ci95, true),
    };
  });
  const datasetKey = id.replace(/^table\d+-/, '');
  return { id, file, notes, dataset: TABLE_DATASETS[datasetKey] ?? datasetKey, entries };
}

export function loadPaperTable(name: string, dir = PAPER_DATA_DIR): PaperTable {
  const id = resolvePaperTableId(name, dir);
  const file = join(dir, `${id}.csv`);
  return parsePaperTable(id, file, readFileSync(file, 'utf8'));
}

export function paperModels(table: PaperTable): string[] {
  return [...new Set(table.entries.map((e) => e.model))];
}

export function paperEntry(table: PaperTable, activation: string, metric: string, model: string): PaperEntry | undefined {
  return table.entries.find((e) => e.activation === activation && e.metric === metric && e.model === model);
}
