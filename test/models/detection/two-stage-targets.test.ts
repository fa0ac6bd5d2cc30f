// The two-stage detector's JavaScript parts on hand-computed cases: anchors, matching, RPN targets and
// loss, RoI sampling, the FPN level rule, post-processing with per-class NMS, and mask pasting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf.js';
import { initEngine } from '../../../src/engine/backend.js';
import { Rng } from '../../../src/engine/random.js';
import { baseAnchors, gridAnchors } from '../../../src/models/detection/anchors.js';
import { BELOW_LOW, BETWEEN, matchBoxes } from '../../../src/models/detection/matcher.js';
import { rpnLoss, rpnTargets, TORCHVISION_RPN } from '../../../src/models/detection/rpn.js';
import { pasteMask, postprocessDetections, sampleRois, TORCHVISION_ROI_HEADS } from '../../../src/models/detection/roi-heads.js';
import { fpnLevel, trainingTargets } from '../../../src/models/detection/mask-rcnn.js';
import { decodeBoxes, encodeBoxes } from '../../../src/models/detection/two-stage-boxes.js';
import { iouMatrix } from '../../../src/models/detection/boxes.js';
import { instanceMasksFromLabelMap } from '../../../src/models/detection/instance-masks.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

test('anchors: torchvision base anchors (rounded half to even) shifted to each cell corner', () => {
  // size 32: ratio 0.5 -> h = 32 sqrt(.5) = 22.63, w = 32 / sqrt(.5) = 45.25 -> halves 22.63, 11.31 -> round 23, 11;
  // ratio 1 -> 16; ratio 2 -> the transpose of ratio 0.5.
  const base = baseAnchors([32], [0.5, 1, 2]);
  assert.deepEqual([...base], [-23, -11, 23, 11, -16, -16, 16, 16, -11, -23, 11, 23]);
  // size 5, ratio 1: halves +-2.5 round to even: -2 and 2 (torch.round), not -3/3 or -2/3.
  assert.deepEqual([...baseAnchors([5], [1])], [-2, -2, 2, 2]);
  // A 2x2 map at stride 16: cell (row 0, col 1) is shifted by x + 16; row 1 by y + 16; 3 anchors per cell.
  const grid = gridAnchors(base, 2, 2, 16);
  assert.equal(grid.length, 2 * 2 * 3 * 4);
  assert.deepEqual([...grid.subarray(12, 16)], [-7, -11, 39, 11]); // cell (0, 1), anchor 0
  assert.deepEqual([...grid.subarray(2 * 12 + 4, 2 * 12 + 8)], [-16, 0, 16, 32]); // cell (1, 0), anchor 1
});

test('box coder: encode and decode are inverse; torchvision weights scale the deltas', () => {
  const ref = Float32Array.from([0, 0, 10, 8]);
  const gt = Float32Array.from([0, 0, 10, 10]);
  // centres (5, 4) -> (5, 5), sizes 10x8 -> 10x10: dy = (5 - 4) / 8 = 0.125, dh = log(10 / 8).
  close(encodeBoxes(gt, ref, [1, 1, 1, 1]), [0, 0.125, 0, Math.log(1.25)]);
  close(encodeBoxes(gt, ref, [10, 10, 5, 5]), [0, 1.25, 0, 5 * Math.log(1.25)]);
  close(decodeBoxes(encodeBoxes(gt, ref, [10, 10, 5, 5]), ref, [10, 10, 5, 5]), gt, 1e-5);
  // IoU: [0,0,10,10] vs [5,0,15,10]: 50 / 150.
  close(iouMatrix(gt, [5, 0, 15, 10]), [1 / 3]);
});

// GT 0 = [0,0,10,10], GT 1 = [40,40,50,50]. Anchors and their best IoU:
//   A0 [0,0,10,10]  1.0   -> GT 0
//   A1 [0,0,10,8]   0.8   -> GT 0
//   A2 [5,0,15,10]  1/3   -> between 0.3 and 0.7: ignored
//   A3 [20,20,30,30] 0    -> negative
//   A4 [0,0,10,12]  100/120 = 0.83 -> GT 0
//   A5 [44,40,54,50] 60/140 = 0.43 -> below 0.7, but GT 1's best anchor: a low-quality positive for GT 1
const GT = Float32Array.from([0, 0, 10, 10, 40, 40, 50, 50]);
const ANCHORS = Float32Array.from([0, 0, 10, 10, 0, 0, 10, 8, 5, 0, 15, 10, 20, 20, 30, 30, 0, 0, 10, 12, 44, 40, 54, 50]);

test('matcher: thresholds 0.7 / 0.3 with low-quality matches (RPN) and 0.5 / 0.5 without (box head)', () => {
  const rpn = matchBoxes(GT, ANCHORS, { highThreshold: 0.7, lowThreshold: 0.3, allowLowQuality: true });
  assert.deepEqual([...rpn], [0, 0, BETWEEN, BELOW_LOW, 0, 1]);
  const noLowQuality = matchBoxes(GT, ANCHORS, { highThreshold: 0.7, lowThreshold: 0.3, allowLowQuality: false });
  assert.deepEqual([...noLowQuality], [0, 0, BETWEEN, BELOW_LOW, 0, BETWEEN]);
  const head = matchBoxes(GT, ANCHORS, { highThreshold: 0.5, lowThreshold: 0.5, allowLowQuality: false });
  assert.deepEqual([...head], [0, 0, BELOW_LOW, BELOW_LOW, 0, BELOW_LOW]);
  assert.deepEqual([...matchBoxes(new Float32Array(0), ANCHORS, { highThreshold: 0.7, lowThreshold: 0.3, allowLowQuality: true })], Array(6).fill(BELOW_LOW));
});

test('RPN targets and loss on the hand case: 2 of 4 positives sampled, 1 negative, weights 1/3', async () => {
  await initEngine({ backend: 'cpu' });
  const options = { ...TORCHVISION_RPN, batchPerImage: 4, positiveFraction: 0.5 };
  const t = rpnTargets(ANCHORS, [GT], options, new Rng(5));
  // Positives {A0, A1, A4, A5}: floor(4 * 0.5) = 2 sampled; negatives {A3}: min(4 - 2, 1) = 1; A2 is never sampled.
  assert.equal(t.positives, 2);
  assert.equal(t.sampled, 3);
  const positives = [...t.objectnessLabel].flatMap((v, i) => (v === 1 ? [i] : []));
  assert.equal(positives.length, 2);
  for (const i of positives) assert.ok([0, 1, 4, 5].includes(i));
  close(t.objectnessWeight, [0, 1, 2, 3, 4, 5].map((i) => (positives.includes(i) || i === 3 ? 1 / 3 : 0)));
  // Hand-encoded targets (weights 1): A0 -> 0; A1 -> (0, 0.125, 0, log 1.25); A4 -> (0, -1/12, 0, log(10/12));
  // A5 -> GT 1: centres 49 -> 45 over width 10: dx = -0.4.
  const expected: Record<number, number[]> = { 0: [0, 0, 0, 0], 1: [0, 0.125, 0, Math.log(1.25)], 4: [0, -1 / 12, 0, Math.log(10 / 12)], 5: [-0.4, 0, 0, 0] };
  for (const i of positives) close(t.boxTarget.subarray(4 * i, 4 * i + 4), expected[i]!);
  // Zero logits and zero deltas: BCE is log 2 for every sampled anchor; the box loss is
  // sum over positives of smoothL1_{1/9}(target) / 3, with smoothL1(x) = |x| - 1/18 for |x| >= 1/9, x^2 * 4.5 below.
  const sl1 = (x: number): number => (Math.abs(x) < 1 / 9 ? (0.5 * x * x) / (1 / 9) : Math.abs(x) - 0.5 / 9);
  const boxExpected = positives.reduce((s, i) => s + expected[i]!.reduce((a, v) => a + sl1(v), 0), 0) / 3;
  const loss = rpnLoss(tf.zeros([1, 6]), tf.zeros([1, 6, 4]), t);
  close([loss.objectness.dataSync()[0]!, loss.box.dataSync()[0]!], [Math.log(2), boxExpected]);
});

test('RoI sampling: GT boxes join the proposals; labels are class + 1, background 0; targets use weights 10,10,5,5', () => {
  // Proposals: P0 overlaps GT 0 at 0.8 (positive), P1 at 1/3 (background), P2 far away (background).
  const proposals = Float32Array.from([0, 0, 10, 8, 5, 0, 15, 10, 60, 60, 70, 70]);
  const rois = sampleRois([proposals], [{ boxes: GT, classes: [3, 7] }], { ...TORCHVISION_ROI_HEADS, batchPerImage: 8, positiveFraction: 0.5 }, new Rng(1));
  // Candidates: P0, P1, P2, GT0, GT1; positives P0, GT0 (class 3) and GT1 (class 7): 3 <= floor(8 * 0.5); negatives P1, P2.
  assert.equal(rois.labels.length, 5);
  const byBox = new Map<string, { label: number; target: number[] }>();
  rois.labels.forEach((l, r) => byBox.set([...rois.boxes.subarray(4 * r, 4 * r + 4)].join(','), { label: l, target: [...rois.targets.subarray(4 * r, 4 * r + 4)] }));
  assert.equal(byBox.get('0,0,10,8')!.label, 4);
  close(byBox.get('0,0,10,8')!.target, [0, 1.25, 0, 5 * Math.log(1.25)]);
  assert.equal(byBox.get('0,0,10,10')!.label, 4);
  assert.equal(byBox.get('40,40,50,50')!.label, 8);
  assert.equal(byBox.get('5,0,15,10')!.label, 0);
  assert.equal(byBox.get('60,60,70,70')!.label, 0);
  close(byBox.get('60,60,70,70')!.target, [0, 0, 0, 0]);
});

test('FPN level rule: floor(4 + log2(sqrt(area) / 224)) clamped to P2..P5', () => {
  assert.equal(fpnLevel([0, 0, 224, 224], 0, 4), 2); // k = 4 -> P4 (index 2)
  assert.equal(fpnLevel([0, 0, 112, 112], 0, 4), 1); // k = 3
  assert.equal(fpnLevel([0, 0, 111, 112], 0, 4), 0); // just under 112: k = floor(2.99...) = 2
  assert.equal(fpnLevel([0, 0, 32, 32], 0, 4), 0); // k = 1 clamped to 2
  assert.equal(fpnLevel([0, 0, 1000, 1000], 0, 4), 3); // k = 6 clamped to 5
  assert.equal(fpnLevel([0, 0, 1000, 1000], 0, 1), 0); // a single level
});

test('post-processing: class-specific boxes, threshold, NMS per class only, top-k', async () => {
  await initEngine({ backend: 'cpu' });
  // Two proposals overlapping at IoU 0.8, three classes (0 = background), zero deltas: boxes = proposals.
  const proposals = Float32Array.from([0, 0, 10, 10, 0, 0, 10, 8]);
  const probabilities = Float32Array.from([0.1, 0.6, 0.3, 0.005, 0.5, 0.495]);
  const deltas = new Float32Array(2 * 3 * 4);
  const d = postprocessDetections(probabilities, deltas, proposals, [20, 20], { ...TORCHVISION_ROI_HEADS, detectionsPerImage: 100 });
  // Candidates (score > 0.01): c1: P0 0.6, P1 0.5; c2: P0 0.3, P1 0.495. Class 1: P1 suppressed by P0 (IoU 0.8 > 0.5);
  // class 2: P0 suppressed by P1. Different classes never suppress each other. Sorted by score.
  close(d.scores, [0.6, 0.495]);
  assert.deepEqual([...d.classes], [0, 1]);
  close(d.boxes, [0, 0, 10, 10, 0, 0, 10, 8]);
  const top1 = postprocessDetections(probabilities, deltas, proposals, [20, 20], { ...TORCHVISION_ROI_HEADS, detectionsPerImage: 1 });
  close(top1.scores, [0.6]);
  // A threshold above every score leaves nothing (the 0.01 default keeps the tail of the PR curve).
  assert.equal(postprocessDetections(probabilities, deltas, proposals, [20, 20], { ...TORCHVISION_ROI_HEADS, scoreThreshold: 0.7 }).scores.length, 0);
});

test('post-processing suppresses only above the NMS threshold (torchvision.ops.nms: IoU > 0.5)', () => {
  // Proposals [0,0,20,10] and [0,0,10,10] overlap at IoU 100/200 = 0.5 exactly; one class, zero deltas. torchvision's
  // nms kernel drops a box when `ovr > iou_threshold`, so both stay (tf.image.nonMaxSuppression drops at >=).
  const proposals = Float32Array.from([0, 0, 20, 10, 0, 0, 10, 10]);
  const probabilities = Float32Array.from([0.1, 0.9, 0.2, 0.8]);
  const d = postprocessDetections(probabilities, new Float32Array(2 * 2 * 4), proposals, [32, 32], TORCHVISION_ROI_HEADS);
  close(d.scores, [0.9, 0.8]);
  close(d.boxes, [0, 0, 20, 10, 0, 0, 10, 10]);
});

test('mask pasting: a full 2x2 mask fills exactly its box; a half mask fills half', () => {
  const out = new Uint8Array(8 * 8);
  pasteMask([1, 1, 1, 1], 2, [2, 2, 6, 4], [8, 8], out, 0);
  const filled = [...out].flatMap((v, i) => (v ? [i] : []));
  // Rows 2..3, columns 2..5.
  assert.deepEqual(filled, [18, 19, 20, 21, 26, 27, 28, 29]);
  const half = new Uint8Array(8 * 8);
  // Left column on, right off; pixel centres map to u = (x + 0.5 - 2) * 2 / 4 - 0.5 = -0.25, 0.25, 0.75, 1.25:
  // bilinear values 0.75 (zero padding beyond the left edge), 0.75, 0.25, 0 -> columns 2 and 3 kept.
  pasteMask([1, 0, 1, 0], 2, [2, 2, 6, 4], [8, 8], half, 0);
  assert.deepEqual([...half].flatMap((v, i) => (v ? [i] : [])), [18, 19, 26, 27]);
});

test('instance masks from a class map: each box keeps only its own class\'s pixels inside it', () => {
  // 3x4 map: an object of class 0 (value 1) at columns 0-1, one of class 2 (value 3) at column 3 rows 1-2.
  // A stray value-1 pixel at row 0, column 3 lies outside box 0 and must not join its mask.
  const map = [1, 1, 0, 1, 1, 0, 0, 3, 0, 0, 0, 3];
  const masks = instanceMasksFromLabelMap(map, [3, 4], [0, 0, 2, 2, 3, 1, 4, 3], [0, 2]);
  assert.deepEqual([...masks.subarray(0, 12)], [1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...masks.subarray(12)], [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
});

test('training targets leave out objects flagged difficult / crowd, with their masks', () => {
  // Three objects on a 2x2 image, the middle one flagged: boxes, classes and mask planes 0 and 2 remain.
  const truth = {
    boxes: Float32Array.from([0, 0, 1, 1, 1, 0, 2, 1, 0, 1, 2, 2]),
    classes: Int32Array.from([4, 5, 6]),
    flags: Uint8Array.from([0, 1, 0]),
    masks: Uint8Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]),
  };
  const t = trainingTargets(truth, [2, 2]);
  assert.deepEqual([...t.boxes], [0, 0, 1, 1, 0, 1, 2, 2]);
  assert.deepEqual([...t.classes], [4, 6]);
  assert.deepEqual([...t.masks!], [1, 0, 0, 0, 0, 0, 1, 1]);
  assert.equal(trainingTargets({ ...truth, flags: new Uint8Array(3) }, [2, 2]).classes.length, 3);
});
