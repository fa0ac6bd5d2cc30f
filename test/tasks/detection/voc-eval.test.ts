// VOC AP@0.5 (voc_eval.py) on hand-computed cases. Boxes are [xmin, ymin, xmax, ymax] in VOC's inclusive
// 1-based pixels, so [1,1,10,10] is 10x10 = 100 pixels. 11-point AP (VOC07) = sum over t = 0, 0.1, ..., 1 of
// (best precision at recall >= t) / 11; all-point AP = area under the precision envelope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateVoc, evaluateVocClass, vocAp, vocIou, type VocBox, type VocDetection, type VocObject } from '../../../src/tasks/detection/voc-eval.js';

const obj = (box: VocBox, difficult = false): VocObject => ({ box, difficult });
const det = (imageId: string, box: VocBox, score: number): VocDetection => ({ imageId, box, score });
const ap = (objects: Record<string, VocObject[]>, dets: VocDetection[], use07: boolean): number | null =>
  evaluateVocClass(new Map(Object.entries(objects)), dets, use07).ap;

function close(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

test('IoU with the +1-pixel convention', () => {
  // [1,1,10,5] is 10x5 = 50 pixels, all inside [1,1,10,10] (100): 50 / 100.
  assert.equal(vocIou([1, 1, 10, 5], [1, 1, 10, 10]), 0.5);
  // [2,1,11,10] against [1,1,10,10]: 9x10 = 90 shared, union 110.
  assert.equal(vocIou([2, 1, 11, 10], [1, 1, 10, 10]), 90 / 110);
  // Boxes sharing one column of pixels overlap by that column: [10,1,19,10] and [1,1,10,10] share 1x10.
  assert.equal(vocIou([10, 1, 19, 10], [1, 1, 10, 10]), 10 / 190);
  assert.equal(vocIou([11, 1, 20, 10], [1, 1, 10, 10]), 0);
});

test('a duplicate detection is a false positive even when a free object overlaps it less', () => {
  // g1 [1,1,10,10] and g2 [2,1,11,10]; d1 (0.9) and d2 (0.8) are both [1,1,10,10]: IoU 1 with g1, 90/110 with g2.
  // d2's best overlap is g1, already taken: FP (COCO would give it g2: see coco-eval.test.ts).
  // TP, FP over 2 objects: recall 0.5, 0.5; precision 1, 0.5.
  // 11-point: t = 0 .. 0.5 (6 points) read 1, t = 0.6 .. 1 read 0: 6/11. All-point: 0.5 * 1 + 0.5 * 0 = 0.5.
  const objects = { a: [obj([1, 1, 10, 10]), obj([2, 1, 11, 10])] };
  const dets = [det('a', [1, 1, 10, 10], 0.9), det('a', [1, 1, 10, 10], 0.8)];
  close(ap(objects, dets, true), 6 / 11, '11-point');
  close(ap(objects, dets, false), 0.5, 'all-point');
});

test('equal scores keep their file order', () => {
  // One object in 'a'; a FP on 'b' and the TP with the same score. FP first: recall 0, 1, precision 0, 0.5:
  // AP 0.5 (both ways). TP first: precision 1 at recall 1: AP 1.
  const objects = { a: [obj([1, 1, 10, 10])], b: [] };
  const tp = det('a', [1, 1, 10, 10], 0.5);
  const fp = det('b', [1, 1, 10, 10], 0.5);
  for (const use07 of [true, false]) {
    close(ap(objects, [fp, tp], use07), 0.5, `FP listed first, use07=${use07}`);
    close(ap(objects, [tp, fp], use07), 1, `TP listed first, use07=${use07}`);
  }
});

test('IoU exactly 0.5 is not enough: a true positive needs more than 0.5', () => {
  // [1,1,10,5] against [1,1,10,10]: IoU 0.5 exactly -> FP, AP 0. One more row, [1,1,10,6]: 60/100 -> TP, AP 1.
  const objects = { a: [obj([1, 1, 10, 10])] };
  close(ap(objects, [det('a', [1, 1, 10, 5], 0.9)], true), 0, 'IoU 0.5');
  close(ap(objects, [det('a', [1, 1, 10, 6], 0.9)], true), 1, 'IoU 0.6');
});

test('difficult objects are neither found nor missed', () => {
  // 'a' has a regular object and a difficult one; the difficult one is detected first (0.9), then the
  // regular one (0.8). One positive: the first detection counts neither way, the second is a TP:
  // recall 0, 1; precision 0/eps = 0, 1 -> AP 1 both ways. Counted as a FP it would give AP 0.5.
  const objects = { a: [obj([1, 1, 10, 10]), obj([50, 50, 60, 60], true)] };
  const dets = [det('a', [50, 50, 60, 60], 0.9), det('a', [1, 1, 10, 10], 0.8)];
  const r = evaluateVocClass(new Map(Object.entries(objects)), dets, true);
  assert.equal(r.positives, 1);
  close(r.ap, 1, '11-point');
  close(ap(objects, dets, false), 1, 'all-point');
  // A missed difficult object costs nothing either: the same class without the detection of it.
  close(ap(objects, dets.slice(1), true), 1, 'difficult object missed');
});

test('11-point and all-point AP of the same precision-recall curve', () => {
  // 3 objects; TP, FP, TP, FP: recall 1/3, 1/3, 2/3, 2/3; precision 1, 1/2, 2/3, 1/2.
  // 11-point: t = 0, 0.1, 0.2, 0.3 read 1; t = 0.4, 0.5, 0.6 read 2/3; t = 0.7 .. 1 read 0: (4 + 2) / 11 = 6/11.
  // All-point: envelope 1 up to recall 1/3, 2/3 up to 2/3, then 0: 1/3 * 1 + 1/3 * 2/3 = 5/9.
  const objects = { a: [obj([1, 1, 10, 10]), obj([21, 1, 30, 10]), obj([41, 1, 50, 10])] };
  const dets = [det('a', [1, 1, 10, 10], 0.9), det('a', [100, 100, 110, 110], 0.8), det('a', [21, 1, 30, 10], 0.7), det('a', [120, 120, 130, 130], 0.6)];
  close(ap(objects, dets, true), 6 / 11, '11-point');
  close(ap(objects, dets, false), 5 / 9, 'all-point');
});

test('11-point thresholds are i * 0.1 as numpy makes them: recall 0.3 falls short of t = 0.30000000000000004', () => {
  // 10 objects, 3 found first with precision 1: recall 0.1, 0.2, 0.3. t = 0, 0.1, 0.2 read 1; 3 * 0.1 is
  // 0.30000000000000004 > 0.3, so t = 0.3 reads 0: AP 3/11 (not 4/11).
  assert.equal(3 * 0.1 > 0.3, true);
  close(vocAp([0.1, 0.2, 0.3], [1, 1, 1], true), 3 / 11, '11-point');
  close(vocAp([0.1, 0.2, 0.3], [1, 1, 1], false), 0.3, 'all-point');
});

test('no detections: AP 0; no objects: no AP, and the class is left out of the mean', () => {
  close(ap({ a: [obj([1, 1, 10, 10])] }, [], true), 0, '11-point');
  close(ap({ a: [obj([1, 1, 10, 10])] }, [], false), 0, 'all-point');
  // Class 0 has one object, found: AP 1. Class 1 has no object but a detection: no AP. mAP = 100, not 50.
  const r = evaluateVoc(
    {
      classNames: ['cat', 'dog'],
      images: new Map([['a', [{ classIndex: 0, box: [1, 1, 10, 10] as VocBox, difficult: false }]]]),
      detections: [[det('a', [1, 1, 10, 10], 0.9)], [det('a', [1, 1, 10, 10], 0.8)]],
    },
    false, // all-point: a perfect AP is exactly 1 (eleven additions of 1/11 give 1.0000000000000002, as in numpy)
  );
  close(r.map50, 100, 'mAP');
  assert.deepEqual(r.perClass.map((c) => [c.name, c.ap50, c.positives]), [['cat', 100, 1], ['dog', null, 0]]);
});

test('a class counts its own objects only', () => {
  // 'a' holds a cat [1,1,10,10] and a dog at the same place. The dog detection there is scored against the
  // dog only: TP (AP 1), and the cat's AP is 0 (no cat detection).
  const r = evaluateVoc(
    {
      classNames: ['cat', 'dog'],
      images: new Map([['a', [{ classIndex: 0, box: [1, 1, 10, 10] as VocBox, difficult: false }, { classIndex: 1, box: [1, 1, 10, 10] as VocBox, difficult: false }]]]),
      detections: [[], [det('a', [1, 1, 10, 10], 0.8)]],
    },
    false,
  );
  assert.deepEqual(r.perClass.map((c) => c.ap50), [0, 100]);
  close(r.map50, 50, 'mAP');
});
