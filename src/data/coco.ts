// COCO 2017 detection: annotations/instances_<split>2017.json plus <split>2017/ image folders. Boxes stay in
// COCO's [x, y, w, h]; `iscrowd` is kept as a flag; category ids (1..90 with gaps) map to contiguous
// indices in id order. Images without annotations are kept (they count as images). Each object's
// `segmentation` (polygons, uncompressed or compressed RLE) is checked here and kept packed on the record
// (coco-segmentation.ts); masks are rasterised when the image is read. Files over 256 MiB
// (instances_train2017.json is 448 MB) are scanned element by element instead of read as one string.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { MaskFormatError } from './coco-mask.js';
import { packSegmentations, segmentationParts, type SegmentationPart } from './coco-segmentation.js';
import { JsonScanError, NotAnObjectError, scanTopLevelArrays } from './json-scan.js';
import { summariseDetection, type DatasetSummary, type DetectionSplitSummary } from './summary.js';
import type { DetectionData, DetectionRecord, ReaderOptions } from './types.js';

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}
interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: number[];
  iscrowd?: number;
  segmentation?: unknown;
}
interface CocoCategory {
  id: number;
  name: string;
}

export interface CocoSplit {
  classNames: string[];
  categoryIds: number[];
  records: DetectionRecord[];
  /** Annotations dropped because their box is empty or leaves the image (see parseCocoInstances). */
  skipped: string[];
}

/** Boxes may poke out of their image by this much (COCO has sub-pixel overshoots); they are clipped. */
const EDGE_TOLERANCE = 1;

/**
 * Files larger than this are scanned element by element from a Buffer (parseCocoBuffer) instead of read as
 * one string: instances_train2017.json (448 MB) is close to V8's maximum string length (~512 MB).
 */
export const STREAM_PARSE_ABOVE = 256 * 1024 * 1024;

const LISTS = ['images', 'annotations', 'categories'] as const;
/** The fields this reader uses, per list; the scanner drops the rest. */
const USED_FIELDS: Record<string, readonly string[]> = {
  images: ['id', 'file_name', 'width', 'height'],
  annotations: ['id', 'image_id', 'category_id', 'bbox', 'iscrowd', 'segmentation'],
  categories: ['id', 'name'],
};

function requireArray(doc: Record<string, unknown>, key: string, file: string): unknown[] {
  const value = doc[key];
  if (!Array.isArray(value)) throw new UserError(`${file}: field '${key}' is ${value === undefined ? 'missing' : 'not a list'} (expected COCO instances JSON)`);
  return value;
}

function requireNumber(obj: Record<string, unknown>, key: string, file: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${file}: ${where}: field '${key}' is ${v === undefined ? 'missing' : `${JSON.stringify(v)}, not a number`}`);
  return v;
}

/**
 * Parse an instances JSON. `imageDir` is where the split's images are. An annotation whose box is empty or
 * lies more than a pixel outside its image is skipped (and listed in `skipped`): one bad box in 860k
 * should not stop a training run, but the count is reported so it is never silent.
 */
export function parseCocoInstances(text: string, file: string, imageDir: string): CocoSplit {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw notAnObject(file);
  return cocoSplitOf(doc, file, imageDir);
}

/**
 * parseCocoInstances for a file's bytes, without building one string of the whole file: each element of
 * images, annotations and categories is parsed from its own slice and cut down to the fields used, so
 * memory holds the file's bytes and the small records, never the whole parsed document. Gives exactly
 * what parseCocoInstances gives for the same file.
 */
export function parseCocoBuffer(bytes: Buffer, file: string, imageDir: string): CocoSplit {
  let doc: Record<string, unknown>;
  try {
    doc = scanTopLevelArrays(bytes, LISTS, (key, element) => usedFields(element, USED_FIELDS[key]!));
  } catch (err) {
    if (err instanceof NotAnObjectError) throw notAnObject(file);
    if (err instanceof JsonScanError) throw new UserError(`${file}: not valid JSON (${err.message})`);
    throw err;
  }
  return cocoSplitOf(doc, file, imageDir);
}

/** Read and parse one instances file: as a string when it is small, by scanning its bytes when it is large. */
export async function readCocoInstances(file: string, imageDir: string, options: { streamAbove?: number } = {}): Promise<CocoSplit> {
  const { size } = await stat(file);
  if (size > (options.streamAbove ?? STREAM_PARSE_ABOVE)) return parseCocoBuffer(await readFile(file), file, imageDir);
  return parseCocoInstances(await readFile(file, 'utf8'), file, imageDir);
}

function notAnObject(file: string): UserError {
  return new UserError(`${file}: expected a JSON object with images, annotations and categories`);
}

/** An object with only `fields` (those present); anything else is returned as it is, for the checks to report. */
function usedFields(element: unknown, fields: readonly string[]): unknown {
  if (!element || typeof element !== 'object' || Array.isArray(element)) return element;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in element) out[f] = (element as Record<string, unknown>)[f];
  return out;
}

function requireObjects(list: unknown[], key: string, file: string): void {
  list.forEach((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new UserError(`${file}: ${key}[${i}] is ${JSON.stringify(item)}, not an object`);
  });
}

/** The split from the parsed top-level fields, whichever way they were parsed. */
function cocoSplitOf(doc: Record<string, unknown>, file: string, imageDir: string): CocoSplit {
  for (const key of LISTS) requireObjects(requireArray(doc, key, file), key, file);
  const images = requireArray(doc, 'images', file) as CocoImage[];
  const annotations = requireArray(doc, 'annotations', file) as CocoAnnotation[];
  const categoryList = requireArray(doc, 'categories', file) as CocoCategory[];
  categoryList.forEach((cat, i) => {
    const where = `categories[${i}] (id ${cat.id})`;
    requireNumber(cat as unknown as Record<string, unknown>, 'id', file, where);
    if (typeof cat.name !== 'string' || cat.name === '') throw new UserError(`${file}: ${where}: field 'name' must be a non-empty string, got ${JSON.stringify(cat.name)}`);
  });
  const categories = [...categoryList].sort((a, b) => a.id - b.id);
  const categoryIndex = new Map(categories.map((c, i) => [c.id, i]));

  const perImage = new Map<number, { image: CocoImage; anns: CocoAnnotation[]; segmentations: (SegmentationPart[] | undefined)[] }>();
  images.forEach((img, i) => {
    const where = `images[${i}]`;
    requireNumber(img as unknown as Record<string, unknown>, 'id', file, where);
    requireNumber(img as unknown as Record<string, unknown>, 'width', file, where);
    requireNumber(img as unknown as Record<string, unknown>, 'height', file, where);
    if (typeof img.file_name !== 'string') throw new UserError(`${file}: ${where}: field 'file_name' is missing`);
    perImage.set(img.id, { image: img, anns: [], segmentations: [] });
  });
  const skipped: string[] = [];
  annotations.forEach((ann, i) => {
    const where = `annotations[${i}] (id ${ann.id})`;
    const imageId = requireNumber(ann as unknown as Record<string, unknown>, 'image_id', file, where);
    const categoryId = requireNumber(ann as unknown as Record<string, unknown>, 'category_id', file, where);
    // COCO writes 0 or 1; anything else (a string "no" is truthy) must not silently become a crowd box.
    if (ann.iscrowd !== undefined && ann.iscrowd !== 0 && ann.iscrowd !== 1) throw new UserError(`${file}: ${where}: field 'iscrowd' must be 0 or 1, got ${JSON.stringify(ann.iscrowd)}`);
    const entry = perImage.get(imageId);
    if (!entry) throw new UserError(`${file}: ${where}: image_id ${imageId} is not in 'images'`);
    if (!categoryIndex.has(categoryId)) throw new UserError(`${file}: ${where}: category_id ${categoryId} is not in 'categories'`);
    if (!Array.isArray(ann.bbox) || ann.bbox.length !== 4 || !ann.bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new UserError(`${file}: ${where}: field 'bbox' must be [x, y, w, h] numbers, got ${JSON.stringify(ann.bbox)}`);
    }
    const [x, y, w, h] = ann.bbox as [number, number, number, number];
    const { width, height } = entry.image;
    const t = EDGE_TOLERANCE;
    if (w <= 0 || h <= 0 || x < -t || y < -t || x + w > width + t || y + h > height + t) {
      skipped.push(`${where}: bbox [${ann.bbox.join(', ')}] outside image ${imageId} (${width}x${height})`);
      return;
    }
    let parts: SegmentationPart[] | undefined;
    try {
      parts = segmentationParts(ann.segmentation, height, width);
    } catch (err) {
      if (err instanceof MaskFormatError) throw new UserError(`${file}: ${where}: field 'segmentation': ${err.message}`);
      throw err;
    }
    entry.anns.push(ann);
    entry.segmentations.push(parts);
  });
  const records: DetectionRecord[] = [...perImage.values()].map(({ image, anns, segmentations: parts }) => {
    const boxes = new Float32Array(anns.length * 4);
    anns.forEach((a, j) => {
      const [x, y, w, h] = a.bbox as [number, number, number, number];
      const x0 = Math.max(0, x);
      const y0 = Math.max(0, y);
      boxes.set([x0, y0, Math.min(image.width, x + w) - x0, Math.min(image.height, y + h) - y0], j * 4);
    });
    const segmentations = packSegmentations(parts, image.height, image.width);
    return {
      id: String(image.id),
      file: join(imageDir, image.file_name),
      width: image.width,
      height: image.height,
      boxes,
      classes: Int32Array.from(anns, (a) => categoryIndex.get(a.category_id)!),
      flags: Uint8Array.from(anns, (a) => (a.iscrowd ? 1 : 0)),
      ...(segmentations ? { segmentations } : {}),
    };
  });
  return { classNames: categories.map((c) => c.name), categoryIds: categories.map((c) => c.id), records, skipped };
}

/** Splits with an instances file: instances_train2017.json -> train2017. */
function cocoSplits(root: string): { name: string; file: string; imageDir: string }[] {
  const dir = join(root, 'annotations');
  if (!existsSync(dir)) throw new UserError(`${root}: no annotations/ folder (expected annotations/instances_train2017.json; \`ash datasets download coco --root ${root}\`)`);
  const found = readdirSync(dir)
    .map((f) => /^instances_(\w+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, file: join(dir, m[0]), imageDir: join(root, m[1]!) }));
  if (found.length === 0) throw new UserError(`${dir}: no instances_<split>.json files`);
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export async function loadCoco(options: ReaderOptions): Promise<DetectionData> {
  const root = options.dataDir ?? 'data/coco';
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const splits: Record<string, DetectionRecord[]> = {};
  let classNames: string[] = [];
  const source: string[] = [];
  for (const { name, file, imageDir } of cocoSplits(root)) {
    const split = await readCocoInstances(file, imageDir);
    if (split.skipped.length) warn(`${file}: skipped ${split.skipped.length} annotation(s) whose box is empty or outside its image; first: ${split.skipped[0]}`);
    if (classNames.length && classNames.join() !== split.classNames.join()) throw new UserError(`${file}: its categories differ from the other splits'`);
    classNames = split.classNames;
    splits[name] = split.records;
    source.push(file);
  }
  return { dataset: 'coco', classNames, splits, source };
}

export async function inspectCoco(options: ReaderOptions): Promise<DatasetSummary<DetectionSplitSummary>> {
  const data = await loadCoco(options);
  return summariseDetection(data.dataset, data.classNames.length, data.splits);
}
