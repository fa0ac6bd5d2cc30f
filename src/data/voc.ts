// PASCAL VOC 2007/2012 in the VOCdevkit layout: Annotations/<id>.xml (boxes, `difficult`), JPEGImages/<id>.jpg,
// ImageSets/Main/<split>.txt for detection; SegmentationClass/<id>.png (palette PNG, 255 = ignore) and
// ImageSets/Segmentation/<split>.txt for segmentation. The 20 classes are in the standard order.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { UserError } from '../engine/errors.js';
import { mapLimit } from './map-limit.js';
import { summariseDetection, type DatasetSummary, type DetectionSplitSummary, type SegmentationSplitSummary } from './summary.js';
import type { DetectionData, DetectionRecord, ReaderOptions, SegmentationData } from './types.js';

export const VOC_CLASSES = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];
/** Segmentation adds background as class 0. */
export const VOC_SEG_CLASSES = ['background', ...VOC_CLASSES];

const CLASS_INDEX = new Map(VOC_CLASSES.map((c, i) => [c, i]));
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'object' });

type XmlNode = Record<string, unknown>;

function field(node: unknown, path: string[], file: string, where: string): string {
  let at: unknown = node;
  for (const key of path) {
    at = at && typeof at === 'object' ? (at as XmlNode)[key] : undefined;
    if (at === undefined) throw new UserError(`${file}: ${where}missing <${path.join('><')}>`);
  }
  if (typeof at !== 'string' && typeof at !== 'number') throw new UserError(`${file}: ${where}<${path.join('><')}> is not a value`);
  return String(at).trim();
}

// Plain decimals only: Number() would also read '' as 0 and '0x10' or '1e1' as numbers VOC never writes.
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function number(node: unknown, path: string[], file: string, where: string): number {
  const text = field(node, path, file, where);
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw new UserError(`${file}: ${where}<${path.join('><')}> is '${text}', not a number`);
  return value;
}

function imageSide(annotation: unknown, side: 'width' | 'height', file: string): number {
  const value = number(annotation, ['size', side], file, '');
  if (!Number.isInteger(value) || value <= 0) throw new UserError(`${file}: <size><${side}> is ${value}; expected a positive whole number of pixels`);
  return value;
}

/**
 * One VOC annotation file. Boxes go from VOC's 1-based inclusive pixel corners to [x, y, w, h] with
 * x = xmin - 1 and w = xmax - xmin + 1, so a box covers exactly the pixels VOC says it does.
 */
export function parseVocXml(text: string, file: string): DetectionRecord {
  let doc: XmlNode;
  try {
    doc = xml.parse(text) as XmlNode;
  } catch (err) {
    throw new UserError(`${file}: not valid XML (${(err as Error).message.split('\n')[0]})`);
  }
  const annotation = doc.annotation;
  if (!annotation || typeof annotation !== 'object') throw new UserError(`${file}: missing <annotation> root element`);
  const width = imageSide(annotation, 'width', file);
  const height = imageSide(annotation, 'height', file);
  const objects = ((annotation as XmlNode).object as XmlNode[] | undefined) ?? [];
  const boxes = new Float32Array(objects.length * 4);
  const classes = new Int32Array(objects.length);
  const flags = new Uint8Array(objects.length);
  objects.forEach((obj, i) => {
    const where = `object ${i + 1}: `;
    const name = field(obj, ['name'], file, where);
    const label = CLASS_INDEX.get(name);
    if (label === undefined) throw new UserError(`${file}: ${where}class '${name}' is not one of the 20 VOC classes`);
    const [xmin, ymin, xmax, ymax] = (['xmin', 'ymin', 'xmax', 'ymax'] as const).map((k) => number(obj, ['bndbox', k], file, where)) as [number, number, number, number];
    if (xmin > xmax || ymin > ymax || xmin < 0 || ymin < 0 || xmax > width || ymax > height) {
      throw new UserError(`${file}: ${where}box (${xmin}, ${ymin})-(${xmax}, ${ymax}) is not inside the ${width}x${height} image`);
    }
    // Corners are 1-based and inclusive: a box whose far corner is 0 covers no pixel (0-based stragglers
    // with xmin = 0 are tolerated; they still cover pixels).
    if (xmax < 1 || ymax < 1) {
      throw new UserError(`${file}: ${where}box (${xmin}, ${ymin})-(${xmax}, ${ymax}) covers no pixel of the ${width}x${height} image (VOC corners are 1-based)`);
    }
    boxes.set([xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1], i * 4);
    classes[i] = label;
    const difficult = (obj as XmlNode).difficult;
    flags[i] = difficult !== undefined && String(difficult).trim() === '1' ? 1 : 0;
  });
  const id = (annotation as XmlNode).filename ? String((annotation as XmlNode).filename).replace(/\.[^.]+$/, '') : '';
  return { id, file: '', width, height, boxes, classes, flags };
}

/** The VOC20XX folders under `root` (root itself, root/VOCdevkit/VOC20XX, or root/VOC20XX). */
export function findVocYears(rootDir: string): string[] {
  const root = resolve(rootDir);
  if (/^VOC\d{4}$/.test(root.split(/[\\/]/).pop() ?? '') && existsSync(join(root, 'ImageSets'))) return [root];
  for (const base of [join(root, 'VOCdevkit'), root]) {
    if (!existsSync(base)) continue;
    const years = readdirSync(base).filter((n) => /^VOC\d{4}$/.test(n) && existsSync(join(base, n, 'ImageSets'))).sort();
    if (years.length) return years.map((y) => join(base, y));
  }
  throw new UserError(`${rootDir}: no VOCdevkit/VOC2007 or VOC2012 folder with ImageSets/ (download with \`ash datasets download voc2007 --root ${rootDir}\`)`);
}

async function readIdList(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split(/\r?\n/).map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
}

const yearOf = (dir: string): string => dir.split(/[\\/]/).pop()!;

/** Split lists of one kind (Main or Segmentation): train, val, trainval, test, as present. */
function splitFiles(yearDir: string, kind: 'Main' | 'Segmentation'): { name: string; file: string }[] {
  const dir = join(yearDir, 'ImageSets', kind);
  if (!existsSync(dir)) return [];
  return ['train', 'val', 'trainval', 'test'].map((s) => ({ name: s, file: join(dir, `${s}.txt`) })).filter((s) => existsSync(s.file));
}

export async function loadVocDetection(options: ReaderOptions): Promise<DetectionData> {
  const splits: Record<string, DetectionRecord[]> = {};
  const source: string[] = [];
  for (const yearDir of findVocYears(options.dataDir ?? 'data')) {
    for (const { name, file } of splitFiles(yearDir, 'Main')) {
      const ids = await readIdList(file);
      source.push(file);
      splits[`${yearOf(yearDir)}/${name}`] = await mapLimit(ids, 16, async (id) => {
        const xmlFile = join(yearDir, 'Annotations', `${id}.xml`);
        if (!existsSync(xmlFile)) throw new UserError(`${file}: lists '${id}' but ${xmlFile} does not exist`);
        const record = parseVocXml(await readFile(xmlFile, 'utf8'), xmlFile);
        return { ...record, id, file: join(yearDir, 'JPEGImages', `${id}.jpg`) };
      });
    }
  }
  return { dataset: 'voc-detection', classNames: VOC_CLASSES, splits, source };
}

export async function loadVocSegmentation(options: ReaderOptions): Promise<SegmentationData> {
  const splits: SegmentationData['splits'] = {};
  const source: string[] = [];
  for (const yearDir of findVocYears(options.dataDir ?? 'data')) {
    for (const { name, file } of splitFiles(yearDir, 'Segmentation')) {
      source.push(file);
      splits[`${yearOf(yearDir)}/${name}`] = (await readIdList(file)).map((id) => {
        const maskFile = join(yearDir, 'SegmentationClass', `${id}.png`);
        if (!existsSync(maskFile)) throw new UserError(`${file}: lists '${id}' but ${maskFile} does not exist`);
        return { id, imageFile: join(yearDir, 'JPEGImages', `${id}.jpg`), maskFile };
      });
    }
  }
  return { dataset: 'voc-segmentation', classNames: VOC_SEG_CLASSES, splits, source };
}

export async function inspectVocDetection(options: ReaderOptions): Promise<DatasetSummary<DetectionSplitSummary>> {
  const data = await loadVocDetection(options);
  return summariseDetection(data.dataset, data.classNames.length, data.splits);
}

export async function inspectVocSegmentation(options: ReaderOptions): Promise<DatasetSummary<SegmentationSplitSummary>> {
  const data = await loadVocSegmentation(options);
  const splits = Object.fromEntries(Object.entries(data.splits).map(([k, v]) => [k, { count: v.length, numClasses: data.classNames.length }]));
  return { dataset: data.dataset, splits };
}
