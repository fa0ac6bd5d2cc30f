// Reads what the VOC devkit's evaluation reads: a year folder's split list and XML annotations (parsed by
// src/data/voc.ts), and a folder of devkit result files comp4_det_<split>_<class>.txt, one per class, each
// line `image score xmin ymin xmax ymax` in the devkit's 1-based pixel coordinates.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../engine/errors.js';
import { mapLimit } from '../../data/map-limit.js';
import { findVocYears, parseVocXml, VOC_CLASSES } from '../../data/voc.js';
import type { VocBox, VocDetection, VocEvalInput } from './voc-eval.js';

export interface VocGroundTruth {
  yearDir: string;
  /** The folder's name, VOC2007 or VOC2012. */
  year: string;
  split: string;
  listFile: string;
  images: VocEvalInput['images'];
}

const RESULT_FILE = /^comp4_det_(.+)_([a-z]+)\.txt$/;
const resultFile = (split: string, className: string): string => `comp4_det_${split}_${className}.txt`;

/** The one VOC year folder under `dir` (the folder itself, or VOCdevkit/VOC20XX inside it). */
export function vocYearFolder(dir: string): string {
  const years = findVocYears(dir);
  if (years.length > 1) throw new UserError(`${dir}: holds ${years.length} VOC years (${years.join(', ')}); point --gt at one of them`);
  return years[0]!;
}

/** The splits that `dir` holds result files for. */
export function vocResultSplits(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: not a folder (expected the folder of VOC devkit result files comp4_det_<split>_<class>.txt)`);
  const splits = new Set<string>();
  for (const name of readdirSync(dir)) {
    const m = RESULT_FILE.exec(name);
    if (m && VOC_CLASSES.includes(m[2]!)) splits.add(m[1]!);
  }
  return [...splits].sort();
}

/** The images of `split` in a year folder, each with its objects in VOC's 1-based inclusive coordinates. */
export async function readVocGroundTruth(yearDir: string, split: string): Promise<VocGroundTruth> {
  const listFile = join(yearDir, 'ImageSets', 'Main', `${split}.txt`);
  if (!existsSync(listFile)) {
    const dir = join(yearDir, 'ImageSets', 'Main');
    const present = existsSync(dir) ? readdirSync(dir).filter((f) => /^[a-z]+\.txt$/.test(f) && !VOC_CLASSES.includes(f.slice(0, -4))).map((f) => f.slice(0, -4)) : [];
    throw new UserError(`${listFile}: no such split list (splits here: ${present.sort().join(', ') || 'none'})`);
  }
  const ids = (await readFile(listFile, 'utf8')).split(/\r?\n/).map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
  const records = await mapLimit(ids, 16, async (id) => {
    const xmlFile = join(yearDir, 'Annotations', `${id}.xml`);
    if (!existsSync(xmlFile)) throw new UserError(`${listFile}: lists '${id}' but ${xmlFile} does not exist`);
    return { id, record: parseVocXml(await readFile(xmlFile, 'utf8'), xmlFile) };
  });
  const images = new Map(
    records.map(({ id, record }) => {
      // parseVocXml stores [xmin - 1, ymin - 1, width, height]; the devkit compares the XML's own integers.
      const objects = Array.from(record.classes, (classIndex, j) => {
        const [x, y, w, h] = record.boxes.subarray(j * 4, j * 4 + 4) as unknown as [number, number, number, number];
        const box: VocBox = [x + 1, y + 1, x + w, y + h];
        return { classIndex, box, difficult: record.flags[j] === 1 };
      });
      return [id, objects] as const;
    }),
  );
  return { yearDir, year: yearDir.split(/[\\/]/).pop()!, split, listFile, images };
}

/** One results file: its detections in file order, each image checked against the split. */
export function parseVocResults(text: string, file: string, images: ReadonlySet<string>, listFile: string): VocDetection[] {
  const detections: VocDetection[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const fields = line.split(/\s+/);
    const numbers = fields.slice(1).map(Number);
    if (fields.length !== 6 || !numbers.every(Number.isFinite)) {
      throw new UserError(`${file}:${i + 1}: expected 'image score xmin ymin xmax ymax' (an image id and five numbers), got '${line.length > 80 ? `${line.slice(0, 80)}...` : line}'`);
    }
    const imageId = fields[0]!;
    if (!images.has(imageId)) throw new UserError(`${file}:${i + 1}: image '${imageId}' is not in ${listFile}`);
    const [score, x1, y1, x2, y2] = numbers as [number, number, number, number, number];
    detections.push({ imageId, score, box: [x1, y1, x2, y2] });
  });
  return detections;
}

/** The 20 classes' result files of `split` in `dir`, in VOC_CLASSES order; every one must be there. */
export async function readVocResults(dir: string, gt: VocGroundTruth): Promise<VocDetection[][]> {
  vocResultSplits(dir); // checks that dir is a folder
  const missing = VOC_CLASSES.filter((c) => !existsSync(join(dir, resultFile(gt.split, c))));
  if (missing.length) {
    const named = missing.slice(0, 3).map((c) => resultFile(gt.split, c)).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
    throw new UserError(`${dir}: missing ${named} (the devkit expects one file per class, empty when the class has no detections)`);
  }
  const images = new Set(gt.images.keys());
  return Promise.all(VOC_CLASSES.map(async (c) => {
    const file = join(dir, resultFile(gt.split, c));
    return parseVocResults(await readFile(file, 'utf8'), file, images, gt.listFile);
  }));
}
