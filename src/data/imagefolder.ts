// ImageNet-style folders: ROOT/<split>/<class>/**/*.{jpg,jpeg,png} (Imagenette, ImageNet-100, Tiny-ImageNet's
// train/), plus Tiny-ImageNet's val/ layout (val/images/*.JPEG labelled by val/val_annotations.txt).
// Classes are the subfolders of train/ sorted by name (torchvision's ImageFolder order). A split whose
// subfolders are not classes at all (Tiny-ImageNet's unlabelled test/images) is listed as unlabelled.
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../engine/errors.js';
import { assertReadableDir } from './check.js';
import { CacheWriter, cacheRoot, fingerprintFiles, openCache, readCache, type CacheKey, type CacheReader } from './cache.js';
import { decodeCentreCrop, decodeRgb, UnreadableImageError, type CentreCrop } from './decode.js';
import { holdOutIndices } from './holdout.js';
import { mapLimit } from './map-limit.js';
import { countLabels, sha256Hex, type ClassificationSplitSummary, type DatasetSummary } from './summary.js';
import type { ClassificationData, ClassificationSplit, ReaderOptions, StreamedSplit, TrainingData } from './types.js';

const IMAGE_EXT = /\.(jpe?g|png)$/i;
const TINY_ANNOTATIONS = 'val_annotations.txt';
/** Images decoded per chunk: the unit written to the cache, and the most decoded buffers in flight. */
const DECODE_CHUNK = 256;
/** sharp runs decodes on libuv's thread pool (4 threads by default); a few more in flight hide file I/O. */
const DECODE_CONCURRENCY = 8;

export interface ImageFolderSplit {
  name: string;
  /** Absolute paths, ordered round-robin across classes (see orderRoundRobin). */
  files: string[];
  labels: Int32Array;
}

export interface ImageFolderIndex {
  root: string;
  classes: string[];
  splits: ImageFolderSplit[];
  /** Splits that hold images but no labels (e.g. Tiny-ImageNet test/). */
  unlabelled: string[];
}

export interface ImageFolderVariant {
  name: string;
  /** Used when no --data-dir is given. */
  defaultDirs: string[];
  /** Default output side and resize target of the shorter side (the eval transform). */
  size: number;
  shorter: number;
  howToGet: string;
}

export const IMAGEFOLDER: ImageFolderVariant = {
  name: 'imagefolder',
  defaultDirs: [],
  size: 224,
  shorter: 256,
  howToGet: 'pass --data-dir ROOT where ROOT/train/<class>/*.jpg and ROOT/val/<class>/*.jpg (Imagenette, ImageNet-100, ImageNet)',
};

export const TINY_IMAGENET: ImageFolderVariant = {
  name: 'tiny-imagenet',
  defaultDirs: ['data/tiny-imagenet-200'],
  // Native 64x64: the transform is the identity, pixels are exactly the decoded JPEG's.
  size: 64,
  shorter: 64,
  howToGet: '`ash datasets download tiny-imagenet --root data` (tiny-imagenet-200.zip) and pass --data-dir data/tiny-imagenet-200',
};

/** ImageNet's per-channel statistics, used for every ImageNet subset. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Image files under `dir`, recursively, sorted by path. */
async function imagesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await imagesUnder(p)));
    else if (IMAGE_EXT.test(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * Interleave the classes (first file of each class, then the second...), so that the first N examples,
 * which is what --train-limit / --test-limit keep, cover the classes evenly instead of the first few.
 */
function orderRoundRobin(perClass: string[][]): { files: string[]; labels: Int32Array } {
  const files: string[] = [];
  const labels: number[] = [];
  const longest = Math.max(0, ...perClass.map((f) => f.length));
  for (let i = 0; i < longest; i++) {
    perClass.forEach((list, label) => {
      if (i < list.length) {
        files.push(list[i]!);
        labels.push(label);
      }
    });
  }
  return { files, labels: Int32Array.from(labels) };
}

async function readTinyAnnotations(splitDir: string, classes: string[]): Promise<string[][]> {
  const file = join(splitDir, TINY_ANNOTATIONS);
  const index = new Map(classes.map((c, i) => [c, i]));
  const perClass: string[][] = classes.map(() => []);
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const [name, wnid] = line.split('\t');
    if (!name || !wnid) throw new UserError(`${file}:${i + 1}: expected 'FILE<TAB>CLASS<TAB>x<TAB>y<TAB>w<TAB>h', got '${line.slice(0, 80)}'`);
    const label = index.get(wnid);
    if (label === undefined) throw new UserError(`${file}:${i + 1}: class '${wnid}' is not a folder of train/ (${classes.length} classes there)`);
    perClass[label]!.push(join(splitDir, 'images', name));
  });
  for (const list of perClass) list.sort();
  return perClass;
}

export async function indexImageFolder(rootDir: string): Promise<ImageFolderIndex> {
  const root = resolve(rootDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UserError(`${rootDir}: not a directory (expected ROOT/train/<class>/*.jpg)`);
  const splitNames = await subdirs(root);
  const classSplit = splitNames.includes('train') ? 'train' : splitNames[0];
  if (!classSplit) throw new UserError(`${root}: no split folders (expected ROOT/train/<class>/*.jpg)`);
  const classes = await subdirs(join(root, classSplit));
  if (classes.length === 0) throw new UserError(`${join(root, classSplit)}: no class folders (expected ${classSplit}/<class>/*.jpg)`);
  const known = new Set(classes);
  const splits: ImageFolderSplit[] = [];
  const unlabelled: string[] = [];
  for (const name of splitNames) {
    const dir = join(root, name);
    let perClass: string[][];
    if (existsSync(join(dir, TINY_ANNOTATIONS))) {
      perClass = await readTinyAnnotations(dir, classes);
    } else {
      const folders = await subdirs(dir);
      const foreign = folders.filter((f) => !known.has(f));
      if (folders.length === 0 || foreign.length === folders.length) {
        if ((await imagesUnder(dir)).length > 0) unlabelled.push(name);
        continue;
      }
      if (foreign.length > 0) {
        throw new UserError(`${dir}: folder(s) ${foreign.slice(0, 5).join(', ')} are not classes of ${classSplit}/ (classes are the subfolders of ${join(root, classSplit)})`);
      }
      perClass = await Promise.all(classes.map((c) => (folders.includes(c) ? imagesUnder(join(dir, c)) : Promise.resolve([]))));
    }
    const ordered = orderRoundRobin(perClass);
    if (ordered.files.length > 0) splits.push({ name, ...ordered });
  }
  return { root, classes, splits, unlabelled };
}

function locate(variant: ImageFolderVariant, dataDir?: string): string {
  if (dataDir) return dataDir;
  const found = variant.defaultDirs.find((d) => existsSync(d));
  if (!found) {
    const looked = variant.defaultDirs.length ? `looked in ${variant.defaultDirs.join(', ')}; ` : '';
    throw new UserError(`${variant.name}: no data found; ${looked}${variant.howToGet}`);
  }
  return found;
}

/** The preflight check: the root and its training folder are there and listable (no image is read). */
export function checkImageFolder(variant: ImageFolderVariant, options: ReaderOptions): void {
  const root = locate(variant, options.dataDir);
  assertReadableDir(variant.name, root);
  assertReadableDir(variant.name, join(root, 'train'));
}

/** The split used for evaluation: val, else validation, else test. */
export function evalSplit(index: ImageFolderIndex): ImageFolderSplit | undefined {
  for (const name of ['val', 'validation', 'test']) {
    const s = index.splits.find((x) => x.name === name);
    if (s) return s;
  }
  return undefined;
}

export function transformOf(variant: ImageFolderVariant, options: ReaderOptions): CentreCrop {
  const size = options.imageSize ?? variant.size;
  if (!Number.isInteger(size) || size <= 0) throw new UserError(`${variant.name}: image size must be a positive integer, got ${size}`);
  // Keep the variant's ratio (256/224 for ImageNet): an explicit size scales the resize target with it.
  const shorter = Math.round((size * variant.shorter) / variant.size);
  return { size, shorter };
}

/**
 * The training split's transform. For random-resized-crop (`trainSourceSize`) it stops before the centre
 * crop to the input size: the shorter side goes to the resize target as for evaluation and the central
 * square of that side is kept (256x256 for 224), about 1.3x the pixels, so crops can reach beyond the
 * evaluation view. torchvision crops from the whole original image; a fixed-size square is what lets the
 * decoded cache and the streamed path serve it (the strips beyond the square of a wide photo are lost).
 */
export function trainTransformOf(variant: ImageFolderVariant, options: ReaderOptions): CentreCrop {
  const t = transformOf(variant, options);
  return options.trainSourceSize ? { size: t.shorter, shorter: t.shorter } : t;
}

function cacheKeyOf(variant: ImageFolderVariant, split: ImageFolderSplit, files: string[], labels: Int32Array, t: CentreCrop, options: ReaderOptions): Promise<CacheKey> {
  return fingerprintFiles(files, Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength).toString('base64')).then((sources) => ({
    dataset: variant.name,
    split: split.name,
    transform: { size: t.size, shorter: t.shorter, kernel: 'linear', crop: 'centre', unreadable: options.onUnreadable ?? 'error' },
    sources,
  }));
}

/**
 * Decode `files` DECODE_CHUNK at a time and hand each chunk's pixels and labels to `onChunk`, so that
 * memory holds one chunk, whatever the size of the split. Unreadable images fail or are skipped (counted).
 */
async function decodeChunks(
  variant: ImageFolderVariant,
  splitName: string,
  files: string[],
  labels: Int32Array,
  t: CentreCrop,
  options: ReaderOptions,
  onChunk: (images: Uint8Array, labels: Int32Array) => Promise<void>,
): Promise<void> {
  const pixels = t.size * t.size * 3;
  const skipped: string[] = [];
  for (let start = 0; start < files.length; start += DECODE_CHUNK) {
    const chunk = files.slice(start, start + DECODE_CHUNK);
    const decoded = await mapLimit(chunk, DECODE_CONCURRENCY, async (file) => {
      try {
        return await decodeCentreCrop(file, t);
      } catch (err) {
        if (err instanceof UnreadableImageError && options.onUnreadable === 'skip') {
          skipped.push(`${file} (${err.message.slice(file.length + 2)})`);
          return undefined;
        }
        throw err;
      }
    });
    const kept = decoded.flatMap((d, i) => (d ? [i] : []));
    const images = new Uint8Array(kept.length * pixels);
    kept.forEach((i, k) => images.set(decoded[i]!, k * pixels));
    await onChunk(images, Int32Array.from(kept, (i) => labels[start + i]!));
  }
  if (skipped.length > 0) {
    const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
    warn(`${variant.name}: skipped ${skipped.length} unreadable image(s) of ${files.length} in ${splitName}/; first: ${skipped[0]}`);
  }
}

/** Decode a split into memory, through the cache when one is enabled. */
async function decodeSplit(variant: ImageFolderVariant, split: ImageFolderSplit, limit: number | undefined, t: CentreCrop, options: ReaderOptions): Promise<ClassificationSplit> {
  const files = split.files.slice(0, limit);
  const labels = split.labels.slice(0, files.length);
  const pixels = t.size * t.size * 3;
  const root = cacheRoot(options.cacheDir);
  const key = await cacheKeyOf(variant, split, files, labels, t, options);
  if (root) {
    const hit = await readCache(root, key);
    if (hit) return { count: hit.count, images: hit.images, labels: hit.labels, shape: hit.shape };
  }
  const shape: [number, number, number] = [t.size, t.size, 3];
  const images = new Uint8Array(files.length * pixels);
  const kept = new Int32Array(files.length);
  let count = 0;
  const writer = root ? await CacheWriter.create(root, key, shape) : undefined;
  try {
    await decodeChunks(variant, split.name, files, labels, t, options, async (chunkImages, chunkLabels) => {
      images.set(chunkImages, count * pixels);
      kept.set(chunkLabels, count);
      count += chunkLabels.length;
      await writer?.append(chunkImages, chunkLabels);
    });
    await writer?.commit();
  } catch (err) {
    await writer?.abort();
    throw err;
  }
  return { count, images: images.subarray(0, count * pixels), labels: kept.subarray(0, count), shape };
}

/**
 * Random access to one decoded split for data too large for memory (ImageNet): decodes into the cache
 * chunk by chunk on first use (memory bounded by one chunk), then reads any range of images from disk.
 */
export async function openImageFolderSplit(variant: ImageFolderVariant, splitName: string, options: ReaderOptions): Promise<CacheReader> {
  const index = await indexImageFolder(locate(variant, options.dataDir));
  const split = index.splits.find((s) => s.name === splitName);
  if (!split) throw new UserError(`${index.root}: no labelled split '${splitName}' (labelled: ${index.splits.map((s) => s.name).join(', ') || 'none'})`);
  const limit = splitName === 'train' ? options.trainLimit : options.testLimit;
  return openSplit(variant, split, limit, splitName === 'train' ? trainTransformOf(variant, options) : transformOf(variant, options), options);
}

async function openSplit(variant: ImageFolderVariant, split: ImageFolderSplit, limit: number | undefined, t: CentreCrop, options: ReaderOptions): Promise<CacheReader> {
  const root = cacheRoot(options.cacheDir);
  if (!root) throw new UserError(`${variant.name}: streaming a split needs the cache (it was disabled)`);
  const files = split.files.slice(0, limit);
  const labels = split.labels.slice(0, files.length);
  const key = await cacheKeyOf(variant, split, files, labels, t, options);
  const existing = await openCache(root, key);
  if (existing) return existing;
  const writer = await CacheWriter.create(root, key, [t.size, t.size, 3]);
  try {
    await decodeChunks(variant, split.name, files, labels, t, options, (images, chunkLabels) => writer.append(images, chunkLabels));
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const reader = await openCache(root, key);
  if (!reader) throw new Error(`cache entry for ${variant.name}/${split.name} vanished after writing`);
  return reader;
}

/** A cache entry as a StreamedSplit: each run of consecutive indices is one read (evaluation reads in order). */
function streamedSplit(reader: CacheReader): StreamedSplit {
  const [h, w, c] = reader.shape;
  const pixels = h * w * c;
  return {
    count: reader.count,
    labels: reader.labels,
    async readImages(indices) {
      const out = new Uint8Array(indices.length * pixels);
      const reads: Promise<void>[] = [];
      for (let b = 0; b < indices.length; ) {
        let run = 1;
        while (b + run < indices.length && indices[b + run] === indices[b]! + run) run++;
        const at = b;
        reads.push(reader.readImages(indices[b]!, run).then((block) => out.set(block, at * pixels)));
        b += run;
      }
      await Promise.all(reads);
      return out;
    },
    close: () => reader.close(),
    shape: reader.shape,
  };
}

const HOLD_OUT_FRACTION = 0.1;
const HOLD_OUT_SEED = 0;

function splitOffHoldOut(train: ImageFolderSplit, fraction: number): [ImageFolderSplit, ImageFolderSplit] {
  const held = new Set(holdOutIndices(train.labels, fraction, HOLD_OUT_SEED));
  const pick = (keep: (i: number) => boolean, name: string): ImageFolderSplit => {
    const idx = train.files.map((_, i) => i).filter(keep);
    return { name, files: idx.map((i) => train.files[i]!), labels: Int32Array.from(idx, (i) => train.labels[i]!) };
  };
  return [pick((i) => !held.has(i), 'train-minus-holdout'), pick((i) => held.has(i), 'train-holdout')];
}

interface ChosenSplits {
  index: ImageFolderIndex;
  labelledTrain: ImageFolderSplit;
  train: ImageFolderSplit;
  evaluation: ImageFolderSplit;
  /** The evaluation transform (and the model's input size). */
  t: CentreCrop;
  /** The training split's transform (see trainTransformOf). */
  trainT: CentreCrop;
}

async function chooseSplits(variant: ImageFolderVariant, options: ReaderOptions): Promise<ChosenSplits> {
  const index = await indexImageFolder(locate(variant, options.dataDir));
  const labelledTrain = index.splits.find((s) => s.name === 'train');
  if (!labelledTrain) throw new UserError(`${index.root}: no labelled train/ split`);
  let train = labelledTrain;
  let evaluation = evalSplit(index);
  if (!evaluation) {
    // No labelled val/ or test/: evaluate on a seeded, class-stratified hold-out of train/.
    [train, evaluation] = splitOffHoldOut(labelledTrain, HOLD_OUT_FRACTION);
    const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
    warn(`${variant.name}: ${index.root} has no labelled val/ or test/; evaluating on ${evaluation.files.length} images held out of train/ (${HOLD_OUT_FRACTION * 100}% per class, seed ${HOLD_OUT_SEED})`);
  }
  return { index, labelledTrain, train, evaluation, t: transformOf(variant, options), trainT: trainTransformOf(variant, options) };
}

function describe<S>(variant: ImageFolderVariant, chosen: ChosenSplits, train: S, test: S): Omit<ClassificationData, 'train' | 'test'> & { train: S; test: S } {
  const { index, labelledTrain, t } = chosen;
  return {
    dataset: variant.name,
    numClasses: index.classes.length,
    inputShape: [t.size, t.size, 3],
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    flipOk: true,
    train,
    test,
    source: [...new Set([join(index.root, labelledTrain.name), join(index.root, evalSplit(index)?.name ?? labelledTrain.name)])],
    classNames: index.classes,
  };
}

export async function loadImageFolder(variant: ImageFolderVariant, options: ReaderOptions): Promise<ClassificationData> {
  const chosen = await chooseSplits(variant, options);
  // One split after the other: decoding already uses every core, and memory peaks lower.
  const trainSplit = await decodeSplit(variant, chosen.train, options.trainLimit, chosen.trainT, options);
  const testSplit = await decodeSplit(variant, chosen.evaluation, options.testLimit, chosen.t, options);
  return describe(variant, chosen, trainSplit, testSplit);
}

/**
 * The same data as loadImageFolder, streamed: each split is decoded into the cache chunk by chunk (once)
 * and read back batch by batch, so memory stays bounded however large the dataset (ImageNet).
 */
export async function openImageFolder(variant: ImageFolderVariant, options: ReaderOptions): Promise<TrainingData> {
  const chosen = await chooseSplits(variant, options);
  const train = streamedSplit(await openSplit(variant, chosen.train, options.trainLimit, chosen.trainT, options));
  try {
    const test = streamedSplit(await openSplit(variant, chosen.evaluation, options.testLimit, chosen.t, options));
    return describe(variant, chosen, train, test);
  } catch (err) {
    await train.close();
    throw err;
  }
}

/** Counts from the file listing; only the first image of each split is decoded (at native size, for its hash). */
/** The first image of `files` that decodes; with onUnreadable 'skip', undecodable ones before it are passed over with a warning. */
async function firstReadable(files: string[], options: ReaderOptions): Promise<Awaited<ReturnType<typeof decodeRgb>>> {
  const skipped: string[] = [];
  for (const file of files) {
    try {
      const image = await decodeRgb(file);
      if (skipped.length > 0) (options.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(`skipped ${skipped.length} unreadable image(s) before the first readable one: ${skipped.join(', ')}`);
      return image;
    } catch (err) {
      if (!(err instanceof UnreadableImageError && options.onUnreadable === 'skip')) throw err;
      skipped.push(file);
    }
  }
  throw new UserError(`${dirname(files[0] ?? '.')}: none of the ${files.length} images of this split can be decoded`);
}

export async function inspectImageFolder(variant: ImageFolderVariant, options: ReaderOptions): Promise<DatasetSummary<ClassificationSplitSummary>> {
  const index = await indexImageFolder(locate(variant, options.dataDir));
  const t = transformOf(variant, options);
  const splits: Record<string, ClassificationSplitSummary> = {};
  for (const split of index.splits) {
    const first = await firstReadable(split.files, options);
    splits[split.name] = {
      count: split.files.length,
      shape: [t.size, t.size, 3],
      numClasses: index.classes.length,
      labelCounts: countLabels(split.labels, index.classes.length),
      firstImageSha256: sha256Hex(first.data),
    };
  }
  return { dataset: variant.name, splits };
}
