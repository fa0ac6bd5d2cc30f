// CIFAR-10 and CIFAR-100 from their official binary versions. A record is the label byte(s) followed by
// 3072 pixel bytes: the R, G and B planes of a 32x32 image, each row-major. Images come out as HWC.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { assertReadableFiles } from './check.js';
import type { ClassificationData, ClassificationSplit, ReaderOptions } from './types.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

export interface CifarVariant {
  name: string;
  /** The folder the official tarball unpacks to. */
  folder: string;
  trainFiles: string[];
  testFiles: string[];
  /** Label bytes before the pixels (CIFAR-100 stores coarse, then fine). */
  labelBytes: 1 | 2;
  /** Which label byte to use. */
  labelByte: 0 | 1;
  numClasses: number;
  /** Records per file in the official release, to warn about partial copies. */
  officialCounts: Record<string, number>;
  namesFile: string;
  /** Per-channel mean and std of pixel/255 over the official training set. */
  mean: number[];
  std: number[];
  howToGet: string;
}

const CIFAR10_TRAIN = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);

export const CIFAR10: CifarVariant = {
  name: 'cifar10',
  folder: 'cifar-10-batches-bin',
  trainFiles: CIFAR10_TRAIN,
  testFiles: ['test_batch.bin'],
  labelBytes: 1,
  labelByte: 0,
  numClasses: 10,
  officialCounts: Object.fromEntries([...CIFAR10_TRAIN, 'test_batch.bin'].map((f) => [f, 10000])),
  namesFile: 'batches.meta.txt',
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.247, 0.2435, 0.2616],
  howToGet: '`ash datasets download cifar10 --root data` (or unpack cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html) and pass --data-dir',
};

const CIFAR100_BASE = {
  folder: 'cifar-100-binary',
  trainFiles: ['train.bin'],
  testFiles: ['test.bin'],
  labelBytes: 2 as const,
  officialCounts: { 'train.bin': 50000, 'test.bin': 10000 },
  mean: [0.5071, 0.4865, 0.4409],
  std: [0.2673, 0.2564, 0.2762],
  howToGet: '`ash datasets download cifar100 --root data` (or unpack cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html) and pass --data-dir',
};

export const CIFAR100: CifarVariant = { ...CIFAR100_BASE, name: 'cifar100', labelByte: 1, numClasses: 100, namesFile: 'fine_label_names.txt' };
export const CIFAR100_COARSE: CifarVariant = { ...CIFAR100_BASE, name: 'cifar100-coarse', labelByte: 0, numClasses: 20, namesFile: 'coarse_label_names.txt' };

export interface CifarRecords {
  count: number;
  /** count * 32 * 32 * 3 bytes, HWC. */
  images: Uint8Array;
  labels: Uint8Array;
}

/**
 * Parse the records of one CIFAR binary file (at most `limit` of them). `file` names the file in errors.
 * A file whose size is not a whole number of records is truncated (or not a CIFAR file): the error says
 * which record is cut short.
 */
export function parseCifarRecords(bytes: Uint8Array, file: string, variant: CifarVariant, limit = Infinity): CifarRecords {
  const recordSize = variant.labelBytes + PIXELS;
  const whole = Math.floor(bytes.length / recordSize);
  const rest = bytes.length - whole * recordSize;
  if (bytes.length === 0) throw new UserError(`${file}: empty file (expected ${variant.name} binary records of ${recordSize} bytes)`);
  if (rest !== 0) {
    throw new UserError(
      `${file}: truncated: record ${whole} (0-based) has ${rest} of its ${recordSize} bytes; the file is ${bytes.length} bytes, ` +
        `not a multiple of the ${variant.name} record size (${variant.labelBytes} label byte${variant.labelBytes > 1 ? 's' : ''} + ${PIXELS} pixel bytes)`,
    );
  }
  const count = Math.min(whole, limit);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const base = n * recordSize;
    const label = bytes[base + variant.labelByte]!;
    if (label >= variant.numClasses) {
      throw new UserError(`${file}: record ${n}: label ${label} is outside 0..${variant.numClasses - 1} (is this a ${variant.name} binary file?)`);
    }
    labels[n] = label;
    const src = base + variant.labelBytes;
    const dst = n * PIXELS;
    // Planes R, G, B -> interleaved HWC.
    for (let p = 0; p < PLANE; p++) {
      const o = dst + 3 * p;
      images[o] = bytes[src + p]!;
      images[o + 1] = bytes[src + PLANE + p]!;
      images[o + 2] = bytes[src + 2 * PLANE + p]!;
    }
  }
  return { count, images, labels };
}

/** The directory that holds the variant's files: DIR itself or DIR/<official folder>; defaults under data/. */
export function locateCifar(variant: CifarVariant, dataDir?: string): string {
  const needed = [...variant.trainFiles, ...variant.testFiles];
  const roots = dataDir ? [dataDir] : ['data', `data/${variant.name.replace('-coarse', '')}`];
  const candidates = roots.flatMap((r) => [r, join(r, variant.folder)]);
  for (const dir of candidates) if (needed.every((f) => existsSync(join(dir, f)))) return dir;
  throw new UserError(
    `${variant.name}: no data found; looked in ${candidates.join(', ')} for ${needed.join(', ')}. To get it: ${variant.howToGet}.`,
  );
}

/** The preflight check: the variant's files are there and readable (nothing is decoded). */
export function checkCifar(variant: CifarVariant, options: ReaderOptions): void {
  const dir = locateCifar(variant, options.dataDir);
  assertReadableFiles(variant.name, [...variant.trainFiles, ...variant.testFiles].map((f) => join(dir, f)));
}

async function readSplit(dir: string, files: string[], variant: CifarVariant, limit: number | undefined, partial: string[]): Promise<ClassificationSplit> {
  const parts: CifarRecords[] = [];
  let remaining = limit ?? Infinity;
  for (const name of files) {
    if (remaining <= 0) break;
    const file = join(dir, name);
    const records = parseCifarRecords(await readFile(file), file, variant, remaining);
    const official = variant.officialCounts[name];
    if (limit === undefined && official !== undefined && records.count !== official) partial.push(`${name} holds ${records.count} of ${official} records`);
    parts.push(records);
    remaining -= records.count;
  }
  const count = parts.reduce((s, p) => s + p.count, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * PIXELS);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { count, images, labels };
}

async function readClassNames(dir: string, variant: CifarVariant): Promise<string[] | undefined> {
  const file = join(dir, variant.namesFile);
  if (!existsSync(file)) return undefined;
  const names = (await readFile(file, 'utf8')).split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  return names.length === variant.numClasses ? names : undefined;
}

export async function loadCifar(variant: CifarVariant, options: ReaderOptions): Promise<ClassificationData> {
  const dir = locateCifar(variant, options.dataDir);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  // One list per split, joined in file order: the splits are read concurrently, so one shared list's order would vary.
  const trainPartial: string[] = [];
  const testPartial: string[] = [];
  const [train, test, classNames] = await Promise.all([
    readSplit(dir, variant.trainFiles, variant, options.trainLimit, trainPartial),
    readSplit(dir, variant.testFiles, variant, options.testLimit, testPartial),
    readClassNames(dir, variant),
  ]);
  const partial = [...trainPartial, ...testPartial];
  if (partial.length > 0) warn(`${variant.name}: ${dir} is not the official release: ${partial.join(', ')}`);
  return {
    dataset: variant.name,
    numClasses: variant.numClasses,
    inputShape: [SIDE, SIDE, 3],
    mean: variant.mean,
    std: variant.std,
    flipOk: true,
    train,
    test,
    source: [...variant.trainFiles, ...variant.testFiles].map((f) => join(dir, f)),
    ...(classNames ? { classNames } : {}),
  };
}
