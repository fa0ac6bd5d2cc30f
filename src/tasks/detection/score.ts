// A detection run's final numbers: the test split's detections (already in original-image pixels) scored
// against its ground truth by the evaluator its dataset's papers use, as the metrics record of the
// detection task (map50, map, map75 in percent) with per-class AP.
// - COCO-style datasets (coco, fashion-scenes): COCOeval bbox (coco-eval.ts), AP@[.5:.95], AP@50, AP@75.
// - voc-detection: the VOC devkit's AP@0.5 (voc-eval.ts) on VOC2007 test, so the 11-point AP of the 2007
//   devkit (use_07_metric=True, as ssd.pytorch and the SSD/Faster R-CNN papers report VOC07 test); it has
//   no map or map75, which stay NaN (written as null).
import type { MetricRecord } from '../../contract/result.js';
import type { DetectionRecord } from '../../data/types.js';
import { evaluateCoco, type CocoDetection, type CocoGroundTruth } from './coco-eval.js';
import { evaluateVoc, type VocBox, type VocDetection } from './voc-eval.js';

export type DetectionProtocol = 'coco' | 'voc07';

/** The evaluator each detection dataset is scored with. */
export function detectionProtocol(dataset: string): DetectionProtocol {
  return dataset === 'voc-detection' ? 'voc07' : 'coco';
}

/** One test image's detections in original-image pixels, corners [x0, y0, x1, y1] (no +1), best first. */
export interface ImageDetections {
  boxes: ArrayLike<number>;
  scores: ArrayLike<number>;
  classes: ArrayLike<number>;
}

export interface DetectionScores {
  metrics: { map50: number; map: number; map75: number };
  perClass: Record<string, MetricRecord>;
}

const orNaN = (v: number | null): number => (v === null ? NaN : v);

/**
 * COCOeval on records as a COCO ground truth: image ids 1..n (in record order), annotation ids from 1 (the
 * reference treats a matched id of 0 as unmatched), category ids class + 1, crowd = the record's flag.
 * `area` is the box area w * h: the records keep no segment area, and with the 'all' area range (0 to 1e10)
 * that AP@[.5:.95], AP@50 and AP@75 read, area only decides nothing (it matters for the small/medium/large
 * breakdown only, which this task does not report).
 */
function scoreCoco(records: readonly DetectionRecord[], detections: readonly ImageDetections[], classNames: readonly string[]): DetectionScores {
  const annotations: CocoGroundTruth[] = [];
  records.forEach((r, i) => {
    for (let k = 0; k < r.classes.length; k++) {
      const [x, y, w, h] = [r.boxes[4 * k]!, r.boxes[4 * k + 1]!, r.boxes[4 * k + 2]!, r.boxes[4 * k + 3]!];
      annotations.push({ id: annotations.length + 1, imageId: i + 1, categoryId: r.classes[k]! + 1, bbox: [x, y, w, h], area: w * h, iscrowd: r.flags[k] === 1 });
    }
  });
  const dets: CocoDetection[] = [];
  detections.forEach((d, i) => {
    for (let k = 0; k < d.scores.length; k++) {
      const [x0, y0, x1, y1] = [d.boxes[4 * k]!, d.boxes[4 * k + 1]!, d.boxes[4 * k + 2]!, d.boxes[4 * k + 3]!];
      dets.push({ imageId: i + 1, categoryId: d.classes[k]! + 1, bbox: [x0, y0, x1 - x0, y1 - y0], score: d.scores[k]! });
    }
  });
  const result = evaluateCoco({
    imageIds: records.map((_, i) => i + 1),
    categories: classNames.map((name, c) => ({ id: c + 1, name })),
    annotations,
    detections: dets,
  });
  const perClass: Record<string, MetricRecord> = {};
  for (const c of result.perClass) perClass[c.name] = { ap50: c.ap50, ap: c.ap };
  return { metrics: { map50: orNaN(result.map50), map: orNaN(result.map), map75: orNaN(result.map75) }, perClass };
}

/**
 * The devkit's AP@0.5 on records as VOC ground truth. Records hold VOC boxes as x = xmin - 1, w = xmax - xmin + 1
 * (data/voc.ts), so xmin = x + 1 and xmax = x + w; a detection [x0, x1) in 0-based pixel edges becomes the
 * same 1-based inclusive range, xmin = x0 + 1, xmax = x1 (a box that is exactly a ground truth scores IoU 1).
 */
function scoreVoc(records: readonly DetectionRecord[], detections: readonly ImageDetections[], classNames: readonly string[], use07: boolean): DetectionScores {
  const images = new Map<string, { classIndex: number; box: VocBox; difficult: boolean }[]>();
  for (const r of records) {
    const objects = [];
    for (let k = 0; k < r.classes.length; k++) {
      const [x, y, w, h] = [r.boxes[4 * k]!, r.boxes[4 * k + 1]!, r.boxes[4 * k + 2]!, r.boxes[4 * k + 3]!];
      objects.push({ classIndex: r.classes[k]!, box: [x + 1, y + 1, x + w, y + h] as VocBox, difficult: r.flags[k] === 1 });
    }
    images.set(r.id, objects);
  }
  const perClassDets: VocDetection[][] = classNames.map(() => []);
  detections.forEach((d, i) => {
    const imageId = records[i]!.id;
    for (let k = 0; k < d.scores.length; k++) {
      const box: VocBox = [d.boxes[4 * k]! + 1, d.boxes[4 * k + 1]! + 1, d.boxes[4 * k + 2]!, d.boxes[4 * k + 3]!];
      perClassDets[d.classes[k]!]!.push({ imageId, score: d.scores[k]!, box });
    }
  });
  const result = evaluateVoc({ classNames, images, detections: perClassDets }, use07);
  const perClass: Record<string, MetricRecord> = {};
  for (const c of result.perClass) perClass[c.name] = { ap50: c.ap50, ap: null };
  return { metrics: { map50: orNaN(result.map50), map: NaN, map75: NaN }, perClass };
}

/** Score `detections[i]` (original pixels) against `records[i]` with `protocol`. */
export function scoreDetections(
  records: readonly DetectionRecord[],
  detections: readonly ImageDetections[],
  classNames: readonly string[],
  protocol: DetectionProtocol,
): DetectionScores {
  if (records.length !== detections.length) throw new Error(`${detections.length} images of detections for ${records.length} test images`);
  return protocol === 'coco' ? scoreCoco(records, detections, classNames) : scoreVoc(records, detections, classNames, true);
}
