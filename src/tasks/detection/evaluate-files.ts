// Detection results on disk scored against ground truth on disk: a COCO instances JSON with a COCO results
// JSON (COCOeval), or a VOC year folder with a folder of devkit result files (VOC AP@0.5, 11-point for
// VOC2007, all-point from 2010). One report shape for both, in percent.
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../../engine/errors.js';
import { evaluateCoco } from './coco-eval.js';
import { readCocoGroundTruth, readCocoResults } from './coco-files.js';
import { evaluateVoc } from './voc-eval.js';
import { readVocGroundTruth, readVocResults, vocResultSplits, vocYearFolder } from './voc-files.js';
import { VOC_CLASSES } from '../../data/voc.js';

export const DETECTION_METRICS = ['coco', 'voc07', 'voc12'] as const;
export type DetectionMetric = (typeof DETECTION_METRICS)[number];

export interface DetectionClassReport {
  name: string;
  /** The COCO category id; absent for VOC. */
  id?: number;
  /** AP at IoU 0.50:0.95 (COCO only; null for VOC or a class without ground truth). */
  ap: number | null;
  /** AP at IoU 0.50; null for a class without ground truth. */
  ap50: number | null;
}

export interface DetectionReport {
  metric: DetectionMetric;
  /** What was evaluated, in words: the files, the protocol, the counts. */
  description: string;
  /** Percent; map and map75 are null for the VOC metrics; all are null when there is no ground truth. */
  map: number | null;
  map50: number | null;
  map75: number | null;
  /** Classes without ground truth have null APs and are left out of the means. */
  perClass: DetectionClassReport[];
  /** COCOeval.stats (12 fractions, -1 where undefined) for the coco metric; null for VOC. */
  stats: number[] | null;
}

export interface DetectionEvalOptions {
  gt: string;
  pred: string;
  metric?: DetectionMetric;
  /** VOC: the split whose results to score; by default the one split the results folder holds. */
  split?: string;
}

export async function evaluateDetectionFiles(options: DetectionEvalOptions): Promise<DetectionReport> {
  const { gt, pred } = options;
  if (!existsSync(gt)) throw new UserError(`${gt}: no such file or folder (--gt expects a COCO instances JSON or a VOC year folder)`);
  const gtIsFolder = statSync(gt).isDirectory();
  if (!gtIsFolder) {
    if (options.metric && options.metric !== 'coco') throw new UserError(`${gt}: a file, but --metric ${options.metric} needs a VOC year folder (VOCdevkit/VOC2007) as --gt`);
    if (options.split) throw new UserError(`--split is for VOC ground truth; ${gt} is a COCO JSON, whose split is the file itself`);
    return evaluateCocoFiles(gt, pred);
  }
  if (options.metric === 'coco') throw new UserError(`${gt}: a folder, but --metric coco needs a COCO instances JSON file as --gt`);
  return evaluateVocFiles(gt, pred, options.metric, options.split);
}

async function evaluateCocoFiles(gtFile: string, pred: string): Promise<DetectionReport> {
  if (existsSync(pred) && statSync(pred).isDirectory()) throw new UserError(`${pred}: a folder (--pred expects a COCO results JSON file for COCO ground truth)`);
  const gt = await readCocoGroundTruth(gtFile);
  const detections = await readCocoResults(pred, gt);
  const result = evaluateCoco({ ...gt, detections });
  return {
    metric: 'coco',
    description: `COCO bbox (COCOeval, IoU 0.50:0.95, 100 detections an image): ${gtFile}, ${gt.imageIds.length} images, ${gt.categories.length} categories, ${gt.annotations.length} objects; ${pred}, ${detections.length} detections`,
    map: result.map,
    map50: result.map50,
    map75: result.map75,
    perClass: result.perClass.map(({ id, name, ap, ap50 }) => ({ name, id, ap, ap50 })),
    stats: result.stats,
  };
}

async function evaluateVocFiles(gtDir: string, predDir: string, metric: DetectionMetric | undefined, split: string | undefined): Promise<DetectionReport> {
  const yearDir = vocYearFolder(gtDir);
  const splits = vocResultSplits(predDir);
  if (!split) {
    if (splits.length === 0) throw new UserError(`${predDir}: no comp4_det_<split>_<class>.txt result files`);
    if (splits.length > 1) throw new UserError(`${predDir}: holds results for splits ${splits.join(', ')}; choose one with --split`);
  }
  const gt = await readVocGroundTruth(yearDir, split ?? splits[0]!);
  // The devkit switched from the 11-point AP to the area under the curve in 2010.
  const chosen: DetectionMetric = metric ?? (gt.year === 'VOC2007' ? 'voc07' : 'voc12');
  const detections = await readVocResults(predDir, gt);
  const result = evaluateVoc({ classNames: VOC_CLASSES, images: gt.images, detections }, chosen === 'voc07');
  const objects = [...gt.images.values()].reduce((n, objs) => n + objs.length, 0);
  const protocol = chosen === 'voc07' ? 'VOC07 11-point AP' : 'VOC2010+ all-point AP';
  return {
    metric: chosen,
    description: `${protocol} at IoU > 0.5: ${gt.year} ${gt.split}, ${gt.images.size} images, ${objects} objects; ${predDir}, ${detections.reduce((n, d) => n + d.length, 0)} detections`,
    map: null,
    map50: result.map50,
    map75: null,
    perClass: result.perClass.map(({ name, ap50 }) => ({ name, ap: null, ap50 })),
    stats: null,
  };
}
