// COCOeval (bbox) on hand-computed cases. Boxes are [x, y, w, h]. Unless a test says otherwise a detection
// lies exactly on its object (IoU 1), so it is a true positive at all ten IoU thresholds and the AP at
// 0.50:0.95 equals the AP at each threshold. AP is the mean over the 101 recall points 0, 0.01, ..., 1 of
// the monotone precision at the first detection reaching that recall (0 past the last recall reached).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cocoIou, evaluateCoco, IOU_THRESHOLDS, RECALL_THRESHOLDS, type CocoDetection, type CocoGroundTruth } from '../../../src/tasks/detection/coco-eval.js';

type Box = [number, number, number, number];
let nextId = 1;
function gt(imageId: number, categoryId: number, bbox: Box, extra: Partial<CocoGroundTruth> = {}): CocoGroundTruth {
  return { id: nextId++, imageId, categoryId, bbox, area: bbox[2] * bbox[3], iscrowd: false, ...extra };
}
const det = (imageId: number, categoryId: number, bbox: Box, score: number): CocoDetection => ({ imageId, categoryId, bbox, score });
const CATS = [{ id: 1, name: 'cat' }];

function close(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
}

test('thresholds are numpy linspace values: 0.75 is among the IoU thresholds, 101 recall points', () => {
  assert.equal(IOU_THRESHOLDS.length, 10);
  assert.equal(IOU_THRESHOLDS[0], 0.5);
  assert.equal(IOU_THRESHOLDS[5], 0.75);
  assert.equal(IOU_THRESHOLDS[9], 0.95);
  assert.equal(RECALL_THRESHOLDS.length, 101);
  assert.equal(RECALL_THRESHOLDS[50], 0.5);
});

test('IoU without +1; a crowd region scores intersection / detection area', () => {
  // [0,0,10,5] inside [0,0,10,10]: intersection 50, union 100 + 50 - 50 = 100.
  assert.equal(cocoIou([0, 0, 10, 5], [0, 0, 10, 10], false), 0.5);
  // [25,5,10,10] inside the crowd [20,0,40,40]: 100 / 1600 as a plain IoU, 100 / 100 against a crowd.
  assert.equal(cocoIou([25, 5, 10, 10], [20, 0, 40, 40], false), 0.0625);
  assert.equal(cocoIou([25, 5, 10, 10], [20, 0, 40, 40], true), 1);
  // Touching edges do not overlap.
  assert.equal(cocoIou([10, 0, 5, 5], [0, 0, 10, 10], false), 0);
});

test('a duplicate detection is a false positive', () => {
  // Objects g1 [0,0,10,10] and g2 [50,50,10,10]. d1 (0.9) and d2 (0.8) both on g1, d3 (0.7) on g2.
  // d1 TP, d2 FP (g1 taken), d3 TP: recall 0.5, 0.5, 1; precision 1, 1/2, 2/3 -> monotone 1, 2/3, 2/3.
  // Recall points 0..0.50 (51 of them) read precision 1, points 0.51..1 (50) read 2/3:
  // AP = (51 + 50 * 2/3) / 101 = 253/303 = 0.83498...
  const r = evaluateCoco({
    imageIds: [1],
    categories: CATS,
    annotations: [gt(1, 1, [0, 0, 10, 10]), gt(1, 1, [50, 50, 10, 10])],
    detections: [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8), det(1, 1, [50, 50, 10, 10], 0.7)],
  });
  close(r.map, (253 / 303) * 100, 'AP');
  close(r.map50, (253 / 303) * 100, 'AP50');
  close(r.perClass[0]!.ap, (253 / 303) * 100, 'per-class AP');
  close(r.stats[8], 1, 'AR@100');
});

test('a detection takes the best ground truth still free, so a second detection can find a weaker overlap', () => {
  // g1 [0,0,10,10], g2 [1,0,10,10]. d1 and d2 both [0,0,10,10]: IoU 1 with g1, 90/110 = 0.818 with g2.
  // d1 takes g1. d2 takes g2 at thresholds <= 0.80 (7 of 10: recall 0.5, 1 at precision 1, AP 1) and is a
  // false positive at 0.85, 0.90, 0.95 (recall stays 0.5: AP = 51/101).
  // AP = (7 + 3 * 51/101) / 10 = 860/1010. (VOC scores the same boxes differently: see voc-eval.test.ts.)
  const r = evaluateCoco({
    imageIds: [1],
    categories: CATS,
    annotations: [gt(1, 1, [0, 0, 10, 10]), gt(1, 1, [1, 0, 10, 10])],
    detections: [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8)],
  });
  close(r.map, (860 / 1010) * 100, 'AP');
  close(r.map50, 100, 'AP50');
  close(r.map75, 100, 'AP75');
});

test('equal scores keep their order: within an image the file order, across images the image id order', () => {
  // One object; a false positive and a true positive of it with the same score, on the images given.
  // FP first: recall 0, 1, precision 0, 1/2 -> monotone 1/2, 1/2: AP 0.5. TP first: precision 1 at recall 1: AP 1.
  const onImage = (tpImage: number, fpImage: number, tpFirst: boolean): number | null => {
    const tp = det(tpImage, 1, [0, 0, 10, 10], 0.5);
    const fp = det(fpImage, 1, [50, 50, 10, 10], 0.5);
    return evaluateCoco({ imageIds: [1, 2], categories: CATS, annotations: [gt(tpImage, 1, [0, 0, 10, 10])], detections: tpFirst ? [tp, fp] : [fp, tp] }).map;
  };
  close(onImage(1, 1, true), 100, 'same image, TP listed first');
  close(onImage(1, 1, false), 50, 'same image, FP listed first');
  // Across images the pooled detections are ordered image by image (ids ascending) before the stable sort:
  // the FP on image 1 precedes the TP on image 2 whatever the file order.
  close(onImage(2, 1, true), 50, 'FP on image 1, TP on image 2, TP listed first');
  close(onImage(1, 2, false), 100, 'TP on image 1, FP on image 2, FP listed first');
});

test('IoU exactly 0.5 matches at the 0.50 threshold only', () => {
  // [0,0,10,5] against [0,0,10,10]: IoU 50/100 = 0.5 >= 0.5, below 0.55. AP50 = 1, AP75 = 0 and
  // AP = (101 ones + 909 zeros) / 1010 = 0.1.
  const r = evaluateCoco({ imageIds: [1], categories: CATS, annotations: [gt(1, 1, [0, 0, 10, 10])], detections: [det(1, 1, [0, 0, 10, 5], 0.9)] });
  close(r.map50, 100, 'AP50');
  close(r.map75, 0, 'AP75');
  close(r.map, 10, 'AP');
});

test('a category without ground truth is -1 and left out of the mean', () => {
  // Category 1: one object found exactly (AP 1). Category 2: no object, one detection: undefined, not 0.
  const r = evaluateCoco({
    imageIds: [1],
    categories: [{ id: 2, name: 'dog' }, { id: 1, name: 'cat' }],
    annotations: [gt(1, 1, [0, 0, 10, 10])],
    detections: [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 2, [20, 20, 10, 10], 0.95)],
  });
  close(r.map, 100, 'mean over categories with ground truth');
  assert.deepEqual(r.perClass.map((c) => [c.id, c.name]), [[1, 'cat'], [2, 'dog']], 'categories in id order');
  assert.equal(r.perClass[1]!.ap, null);
  assert.equal(r.perClass[1]!.ap50, null);
});

test('no ground truth at all: every AP is undefined', () => {
  const r = evaluateCoco({ imageIds: [1], categories: CATS, annotations: [], detections: [det(1, 1, [0, 0, 10, 10], 0.9)] });
  assert.equal(r.map, null);
  assert.deepEqual(r.stats, Array(12).fill(-1));
});

test('a crowd region absorbs any number of detections, which are ignored', () => {
  // Regular object g [0,0,10,10]; crowd region [20,0,40,40]. d1 [25,5,10,10] (0.95) and d2 [30,10,10,10]
  // (0.9) lie inside the crowd: IoU with it = 100/100 = 1 (plain IoU would be 0.0625), both match it (a crowd
  // is never used up) and are ignored. d3 (0.8) finds g. Points: ignored, ignored, TP: recall 0, 0, 1,
  // precision 0, 0, 1 -> monotone 1, 1, 1: AP 1. Were the crowd ordinary ground truth, d1 and d2 would be
  // false positives before the TP (precision 1/3): AP 1/3.
  const annotations = [gt(1, 1, [0, 0, 10, 10]), gt(1, 1, [20, 0, 40, 40], { iscrowd: true })];
  const detections = [det(1, 1, [25, 5, 10, 10], 0.95), det(1, 1, [30, 10, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8)];
  close(evaluateCoco({ imageIds: [1], categories: CATS, annotations, detections }).map, 100, 'with the crowd');
  close(evaluateCoco({ imageIds: [1], categories: CATS, annotations: annotations.slice(0, 1), detections }).map, 100 / 3, 'without it');
});

test('only the 100 best detections of an image count', () => {
  // One object; n false positives (scores 0.99 down) ranked above the one true positive (score 0.01).
  // 99 FPs: the TP is the 100th detection: precision 1/100 at recall 1, AP 0.01 (1 %); AR@1 = AR@10 = 0, AR@100 = 1.
  // 100 FPs: the TP is the 101st and is dropped: recall 0, AP 0.
  const run = (n: number) =>
    evaluateCoco({
      imageIds: [1],
      categories: CATS,
      annotations: [gt(1, 1, [0, 0, 10, 10])],
      detections: [det(1, 1, [0, 0, 10, 10], 0.01), ...Array.from({ length: n }, (_, i) => det(1, 1, [50 + i, 50, 10, 10], 0.99 - i * 0.001))],
    });
  const r99 = run(99);
  close(r99.map, 1, 'AP with the TP 100th');
  assert.deepEqual(r99.stats.slice(6, 9), [0, 0, 1], 'AR@1, AR@10, AR@100');
  const r100 = run(100);
  close(r100.map, 0, 'AP with the TP 101st');
  assert.equal(r100.stats[8], 0, 'AR@100');
});

test('area ranges: ground truth outside a range is ignored, and so are unmatched detections outside it', () => {
  // Small object s [0,0,10,10] (area 100) found by d_s (0.9); large object L [100,100,100,100] (area 10000)
  // missed; a large false positive d_f [300,300,100,100] (0.95).
  // all: FP, TP over 2 objects: recall 0, 0.5, precision 0, 0.5 -> 0.5, 0.5: AP = 51 * 0.5 / 101 = 25.5/101.
  // small: L ignored, d_f unmatched and outside the range, ignored: AP 1.
  // medium: both objects ignored: -1. large: s ignored, so is d_s (matched to it); d_f is a FP, L missed: AP 0.
  const r = evaluateCoco({
    imageIds: [1],
    categories: CATS,
    annotations: [gt(1, 1, [0, 0, 10, 10]), gt(1, 1, [100, 100, 100, 100])],
    detections: [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [300, 300, 100, 100], 0.95)],
  });
  close(r.stats[0]!, 25.5 / 101, 'AP all');
  close(r.stats[3]!, 1, 'AP small');
  assert.equal(r.stats[4], -1, 'AP medium');
  assert.equal(r.stats[5], 0, 'AP large');
  assert.deepEqual(r.stats.slice(9), [1, -1, 0], 'AR small, medium, large');
});

test('the area range uses the annotation area, not the box', () => {
  // A 40x40 box (1600, medium by its box) whose annotation area is 900 (small): it counts as small.
  const r = evaluateCoco({ imageIds: [1], categories: CATS, annotations: [gt(1, 1, [0, 0, 40, 40], { area: 900 })], detections: [det(1, 1, [0, 0, 40, 40], 0.9)] });
  close(r.stats[3]!, 1, 'AP small');
  assert.equal(r.stats[4], -1, 'AP medium');
});

test('as in pycocotools, a match to an annotation with id 0 counts as no match', () => {
  // The reference stores the matched ground truth's id and tests it for non-zero: the exact detection of an
  // id-0 object is a false positive (AP 0). (The file reader refuses id 0 for this reason.)
  const r = evaluateCoco({ imageIds: [1], categories: CATS, annotations: [gt(1, 1, [0, 0, 10, 10], { id: 0 })], detections: [det(1, 1, [0, 0, 10, 10], 0.9)] });
  close(r.map, 0, 'AP');
});
