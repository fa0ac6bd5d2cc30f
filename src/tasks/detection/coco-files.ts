// Reads what COCOeval reads: a ground-truth instances JSON with its raw category ids, annotation ids, areas
// and crowd flags (the training reader in src/data/coco.ts re-indexes categories, clips boxes and drops
// areas, which evaluation must not do), and a results JSON [{image_id, category_id, bbox, score}].
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../../engine/errors.js';
import { STREAM_PARSE_ABOVE } from '../../data/coco.js';
import { JsonScanError, NotAnObjectError, scanTopLevelArrays } from '../../data/json-scan.js';
import type { Box, CocoDetection, CocoEvalInput, CocoGroundTruth } from './coco-eval.js';

export type CocoGroundTruthFile = Omit<CocoEvalInput, 'detections'> & { file: string };

const LISTS = ['images', 'annotations', 'categories'] as const;
const USED_FIELDS: Record<string, readonly string[]> = {
  images: ['id'],
  annotations: ['id', 'image_id', 'category_id', 'bbox', 'area', 'iscrowd'],
  categories: ['id', 'name'],
};

type Json = Record<string, unknown>;

/**
 * `scanAbove`: a ground-truth file larger than this many bytes is scanned list by list, keeping only the
 * used fields, instead of being read as one string.
 */
async function readJson(file: string, what: string, scanAbove = Infinity): Promise<unknown> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new UserError(`${file}: no such file (expected ${what})`);
  }
  // instances_train2017.json (448 MB) is close to V8's longest string: scan it element by element instead.
  if (size > scanAbove) {
    try {
      return scanTopLevelArrays(await readFile(file), LISTS, (key, element) => pick(element, USED_FIELDS[key]!));
    } catch (err) {
      if (err instanceof NotAnObjectError) return null;
      if (err instanceof JsonScanError) throw new UserError(`${file}: not valid JSON (${err.message})`);
      throw err;
    }
  }
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

function pick(element: unknown, fields: readonly string[]): unknown {
  if (!isObject(element)) return element;
  return Object.fromEntries(fields.filter((f) => f in element).map((f) => [f, element[f]]));
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === undefined ? 'missing' : `${JSON.stringify(v)}`);

function numberField(obj: Json, key: string, file: string, where: string, expected = 'a number'): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${file}: ${where}: field '${key}' is ${describe(v)} (expected ${expected})`);
  return v;
}

function boxField(obj: Json, file: string, where: string): Box {
  const v = obj.bbox;
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new UserError(`${file}: ${where}: field 'bbox' is ${describe(v)} (expected [x, y, width, height], four numbers)`);
  }
  return v as unknown as Box;
}

function objects(doc: Json, key: string, file: string): Json[] {
  const list = doc[key];
  if (!Array.isArray(list)) throw new UserError(`${file}: field '${key}' is ${list === undefined ? 'missing' : 'not a list'} (expected COCO instances JSON with images, annotations and categories)`);
  list.forEach((item, i) => {
    if (!isObject(item)) throw new UserError(`${file}: ${key}[${i}] is ${JSON.stringify(item)} (expected an object)`);
  });
  return list as Json[];
}

/** A COCO instances JSON as COCOeval sees it. `streamAbove`: see STREAM_PARSE_ABOVE (a test lowers it). */
export async function readCocoGroundTruth(file: string, options: { streamAbove?: number } = {}): Promise<CocoGroundTruthFile> {
  const doc = await readJson(file, 'COCO ground truth: an instances_<split>.json', options.streamAbove ?? STREAM_PARSE_ABOVE);
  if (!isObject(doc)) throw new UserError(`${file}: expected a JSON object with images, annotations and categories (COCO instances JSON)`);
  const imageIds = objects(doc, 'images', file).map((img, i) => numberField(img, 'id', file, `images[${i}]`));
  const categories = objects(doc, 'categories', file).map((c, i) => {
    const id = numberField(c, 'id', file, `categories[${i}]`);
    return { id, name: typeof c.name === 'string' ? c.name : String(id) };
  });
  const knownImages = new Set(imageIds);
  const knownCategories = new Set(categories.map((c) => c.id));
  const annotations = objects(doc, 'annotations', file).map((a, i): CocoGroundTruth => {
    const where = `annotations[${i}]`;
    const id = numberField(a, 'id', file, where);
    // COCOeval records a match as the ground truth's id and tests it for non-zero (cocoeval.py:295, 375), so
    // a match to id 0 would silently count as a false positive there; refuse rather than differ or mislead.
    if (id === 0) throw new UserError(`${file}: ${where}: field 'id' is 0 (expected a non-zero annotation id; COCOeval takes a match to id 0 for no match)`);
    const imageId = numberField(a, 'image_id', file, `${where} (id ${id})`);
    const categoryId = numberField(a, 'category_id', file, `${where} (id ${id})`);
    if (!knownImages.has(imageId)) throw new UserError(`${file}: ${where} (id ${id}): image_id ${imageId} is not in 'images'`);
    if (!knownCategories.has(categoryId)) throw new UserError(`${file}: ${where} (id ${id}): category_id ${categoryId} is not in 'categories'`);
    const bbox = boxField(a, file, `${where} (id ${id})`);
    // COCOeval ranks objects small/medium/large by this field (the segment's area), not by the box.
    const area = numberField(a, 'area', file, `${where} (id ${id})`, "a number: the object's area, which sets its small/medium/large range");
    const crowd = a.iscrowd ?? 0;
    if (crowd !== 0 && crowd !== 1 && crowd !== true && crowd !== false) throw new UserError(`${file}: ${where} (id ${id}): field 'iscrowd' is ${describe(crowd)} (expected 0 or 1)`);
    return { id, imageId, categoryId, bbox, area, iscrowd: crowd === 1 || crowd === true };
  });
  return { file, imageIds, categories, annotations };
}

/** A COCO results JSON for boxes, checked against the ground truth it is to be scored on. */
export async function readCocoResults(file: string, gt: CocoGroundTruthFile): Promise<CocoDetection[]> {
  const doc = await readJson(file, 'a COCO results JSON: [{image_id, category_id, bbox, score}]');
  if (!Array.isArray(doc)) throw new UserError(`${file}: expected a JSON list of results [{image_id, category_id, bbox: [x, y, w, h], score}]`);
  const images = new Set(gt.imageIds);
  const categories = new Set(gt.categories.map((c) => c.id));
  return doc.map((entry: unknown, i): CocoDetection => {
    const where = `entry ${i}`;
    if (!isObject(entry)) throw new UserError(`${file}: ${where} is ${JSON.stringify(entry)} (expected an object {image_id, category_id, bbox, score})`);
    const imageId = numberField(entry, 'image_id', file, where, 'an image id');
    if (!images.has(imageId)) throw new UserError(`${file}: ${where}: image_id ${imageId} is not an image of ${gt.file}`);
    const categoryId = numberField(entry, 'category_id', file, where, 'a category id');
    if (!categories.has(categoryId)) throw new UserError(`${file}: ${where}: category_id ${categoryId} is not a category of ${gt.file}`);
    const bbox = boxField(entry, file, where);
    const score = numberField(entry, 'score', file, where, 'a number, the confidence');
    return { imageId, categoryId, bbox, score };
  });
}
