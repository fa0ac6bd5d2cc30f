import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoUAccumulator, areasToScores, imageScores, reduceZeroLabel } from '../../src/tasks/segmentation/metrics.js';
import { logitsToLabels } from '../../src/tasks/segmentation/logits-to-labels.js';
import { scoreLogitsBatch } from '../../src/tasks/segmentation/score-batch.js';
import type { SegmentationSplit } from '../../src/data/segmentation-types.js';
import { Rng } from '../../src/engine/random.js';
import { tf } from '../../src/engine/tf.js';

const close = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} vs ${expected}`);

test('ignore pixels drop out of label and prediction; an absent class is NaN and left out; a class only predicted scores 0', () => {
  // 4 classes, 8 pixels. Pixels 5 and 6 are ignore (255); the prediction there (2 and 0) must not count.
  //   label: 0 0 1 1 1 255 255 0
  //   pred:  0 1 1 1 3   2   0 0
  // Kept pixels 0,1,2,3,4,7:
  //   class 0: label {0,1,7} = 3, pred {0,7} = 2, intersect {0,7} = 2, union 3 + 2 - 2 = 3 -> 2/3
  //   class 1: label {2,3,4} = 3, pred {1,2,3} = 3, intersect {2,3} = 2, union 4        -> 1/2
  //   class 2: only predicted on an ignore pixel -> union 0 -> NaN, not in the mean
  //   class 3: predicted once (pixel 4), never labelled -> union 1, intersect 0          -> 0
  // mIoU = (66.67 + 50 + 0) / 3 = 38.89; aAcc = intersect 4 / labelled 6 = 66.67.
  // (Had the ignored prediction of class 2 counted, class 2 would be 0 and mIoU 29.17.)
  const label = Uint8Array.of(0, 0, 1, 1, 1, 255, 255, 0);
  const pred = Int32Array.of(0, 1, 1, 1, 3, 2, 0, 0);
  const s = imageScores(pred, label, 4);
  close(s.perClass[0]!, 200 / 3, 'class 0');
  close(s.perClass[1]!, 50, 'class 1');
  assert.ok(Number.isNaN(s.perClass[2]!), 'class 2 absent everywhere is NaN');
  assert.equal(s.perClass[3], 0);
  close(s.miou, (200 / 3 + 50 + 0) / 3, 'mIoU');
  close(s.pixelAcc, 400 / 6, 'aAcc');
  // Uint8 and Int32 inputs take the same path to the same numbers.
  assert.deepEqual(imageScores(Uint8Array.from(pred), Int32Array.from(label), 4), s);
});

test('dataset-level mIoU sums areas over images first: two images whose per-image mean differs', () => {
  // 2 classes. Image A: label 0 0 0 0, pred 0 0 0 1. Image B: label 1 1 1 1, pred 1 1 1 1.
  //   A alone: class 0 = 3/4 = 75, class 1 = 0/1 = 0 -> mIoU 37.5.  B alone: class 0 NaN, class 1 = 100 -> 100.
  //   Mean of per-image mIoU: 68.75 (not what mmseg reports).
  //   Summed: class 0 intersect 3, union 3 + 4 - 3 = 4 -> 75; class 1 intersect 4, pred 5, label 4,
  //   union 5 -> 80. mIoU = 77.5, aAcc = 7 / 8 = 87.5.
  const a = { label: Uint8Array.of(0, 0, 0, 0), pred: Uint8Array.of(0, 0, 0, 1) };
  const b = { label: Uint8Array.of(1, 1, 1, 1), pred: Uint8Array.of(1, 1, 1, 1) };
  close(imageScores(a.pred, a.label, 2).miou, 37.5, 'A');
  close(imageScores(b.pred, b.label, 2).miou, 100, 'B');
  const acc = new IoUAccumulator(2);
  acc.add(a.pred, a.label);
  acc.add(b.pred, b.label);
  const s = acc.scores();
  assert.deepEqual(s.perClass, [75, 80]);
  close(s.miou, 77.5, 'dataset mIoU');
  close(s.pixelAcc, 87.5, 'aAcc');
  const t = acc.totals();
  assert.deepEqual([...t.intersect, ...t.union, ...t.predLabel, ...t.label], [3, 4, 4, 5, 3, 5, 4, 4]);
  assert.deepEqual(areasToScores(t), s);
});

test('reduce-zero-label as mmseg: 0 -> ignore, others minus one, 255 stays ignore; then scored over 150 classes', () => {
  // ADE20K raw  0   1  2  150  255  3
  // reduced   255   0  1  149  255  2
  const label = reduceZeroLabel(Uint8Array.of(0, 1, 2, 150, 255, 3));
  assert.deepEqual([...label], [255, 0, 1, 149, 255, 2]);
  // pred 5 0 2 149 7 2: pixels 0 and 4 are ignored (their 5 and 7 count nowhere). Kept:
  //   (l0,p0) (l1,p2) (l149,p149) (l2,p2)
  //   class 0: 1/1 = 100; class 1: labelled once, never predicted -> 0/1 = 0;
  //   class 2: pred 2, label 1, intersect 1 -> 1/2 = 50; class 149: 100; every other class NaN.
  // mIoU = (100 + 0 + 50 + 100) / 4 = 62.5; aAcc = 3 / 4 = 75.
  const s = imageScores(Int32Array.of(5, 0, 2, 149, 7, 2), label, 150);
  assert.equal(s.perClass.filter((v) => !Number.isNaN(v)).length, 4);
  assert.deepEqual([s.perClass[0], s.perClass[1], s.perClass[2], s.perClass[149]], [100, 0, 50, 100]);
  close(s.miou, 62.5, 'mIoU');
  close(s.pixelAcc, 75, 'aAcc');
});

test('a prediction outside 0..N-1 on a labelled pixel counts in the label area only (torch.histc drops it)', () => {
  // label 0 1, pred 255 1: class 0 label 1, pred 0 -> union 1, IoU 0; class 1 -> 100. mIoU 50, aAcc 50.
  const s = imageScores(Int32Array.of(255, 1), Uint8Array.of(0, 1), 2);
  assert.deepEqual(s.perClass, [0, 100]);
  assert.equal(s.miou, 50);
  assert.equal(s.pixelAcc, 50);
  // A custom ignore index: 0 is then ignored and 255 is simply out of range.
  const t = imageScores(Int32Array.of(1, 1, 1), Uint8Array.of(0, 1, 255), 2, 0);
  // kept: (l1,p1) and (l255,p1): class 1 pred 2, label 1, intersect 1 -> 50; class 0 NaN. aAcc 1/1.
  assert.ok(Number.isNaN(t.perClass[0]!));
  assert.equal(t.perClass[1], 50);
  assert.equal(t.pixelAcc, 100);
});

test('nothing labelled: mIoU and aAcc are NaN, not 0', () => {
  const s = imageScores(Int32Array.of(0, 1), Uint8Array.of(255, 255), 2);
  assert.ok(Number.isNaN(s.miou) && Number.isNaN(s.pixelAcc));
});

test('logitsToLabels resizes logits bilinearly (align_corners=False) before the argmax', () => {
  // 1x2 logits of 3 classes resized to 1x3: scale 2/3, source x = (o + 0.5) * 2/3 - 0.5 = -1/6 (clamped to 0), 1/2, 7/6.
  //   pixel 0: (2, 0, 1.2)  pixel 1: (0, 2, 1.2)
  //   o = 0 -> pixel 0 -> class 0; o = 1 -> halfway: (1, 1, 1.2) -> class 2, which neither neighbour's argmax is;
  //   o = 2 -> beyond the last centre -> pixel 1 -> class 1.
  const logits = Float32Array.of(2, 0, 1.2, 0, 2, 1.2);
  assert.deepEqual([...logitsToLabels({ data: logits, height: 1, width: 2, numClasses: 3 }, 1, 3)], [0, 2, 1]);
  // Same size: the plain argmax.
  assert.deepEqual([...logitsToLabels({ data: logits, height: 1, width: 2, numClasses: 3 }, 1, 2)], [0, 1]);
});

test('logitsToLabels agrees with tf.image.resizeBilinear (half-pixel centres) then argMax on the cpu backend', async () => {
  // TensorFlow's half_pixel_centers bilinear is the same sampling as F.interpolate(align_corners=False).
  await tf.setBackend('cpu');
  const rng = new Rng(11);
  const [h, w, c] = [5, 7, 6];
  const data = Float32Array.from({ length: 2 * h * w * c }, () => rng.next() * 4 - 2);
  for (const [ch, cw, oh, ow] of [[4, 6, 9, 13], [5, 7, 3, 2], [5, 7, 5, 7], [3, 2, 8, 8]] as const) {
    const expected = tf.tidy(() => {
      const content = tf.slice(tf.tensor4d(data.subarray(h * w * c), [1, h, w, c]), [0, 0, 0, 0], [1, ch, cw, c]);
      return tf.argMax(tf.image.resizeBilinear(content, [oh, ow], false, true), -1).dataSync();
    });
    const ours = logitsToLabels({ data, offset: h * w * c, height: h, width: w, numClasses: c, contentHeight: ch, contentWidth: cw }, oh, ow);
    assert.deepEqual([...ours], [...expected], `content ${ch}x${cw} -> ${oh}x${ow}`);
  }
});

test('logitsToLabels cuts the padding off before resizing, and reads one image of a batch at its offset', () => {
  // A batch of two 2x2 images, 2 classes; in the second, only the top-left 1x1 is content (class 1), the
  // padding says class 0 loudly. Resized to 2x3 the content alone decides: all class 1.
  const img0 = [1, 0, 1, 0, 1, 0, 1, 0];
  const img1 = [0, 5, 9, 0, 9, 0, 9, 0];
  const data = Float32Array.from([...img0, ...img1]);
  const out = logitsToLabels({ data, offset: 8, height: 2, width: 2, numClasses: 2, contentHeight: 1, contentWidth: 1 }, 2, 3);
  assert.deepEqual([...out], [1, 1, 1, 1, 1, 1]);
  assert.throws(() => logitsToLabels({ data, height: 2, width: 2, numClasses: 2, contentHeight: 3 }, 1, 1), /not inside/);
});

test('scoreLogitsBatch scores frame labels where there is no original, and original labels after resizing where there is', () => {
  // Frame 2x2, 2 classes, batch of images [1, 0] of a two-image split.
  // Image 0: content 1 row x 2 cols, labels 0 1 (padding row 255); no originals.
  // Image 1: content 2x2, labels 1 1 / 0 0.
  const split: SegmentationSplit = {
    count: 2,
    size: 2,
    channels: 1,
    images: new Uint8Array(8),
    masks: Uint8Array.of(0, 1, 255, 255, 1, 1, 0, 0),
    contentSizes: Int32Array.of(1, 2, 2, 2),
    ids: ['a', 'b'],
  };
  // Logits per pixel [class 0, class 1]. Batch item 0 = image 1 predicts 1 1 / 1 0 (3 of 4 right);
  // item 1 = image 0 predicts 0 0 in its content and class 1 loudly in the padding row, which must not count.
  const logits = Float32Array.from([0, 1, 0, 1, 0, 1, 1, 0, /* image 0 */ 1, 0, 1, 0, 0, 9, 0, 9]);
  const acc = new IoUAccumulator(2);
  scoreLogitsBatch(acc, logits, split, [1, 0]);
  // Labels 1 1 0 0 + 0 1; preds 1 1 1 0 + 0 0.
  //   class 0: label 3, pred 3, intersect 2 -> union 4 -> 50; class 1: label 3, pred 3, intersect 2 -> 50.
  //   aAcc 4 / 6.
  const s = acc.scores();
  assert.deepEqual(s.perClass, [50, 50]);
  assert.ok(Math.abs(s.pixelAcc - 400 / 6) < 1e-9);
  // With originals (image 1's label at 1x4), its 2x2 content logits are resized to 1x4 first. Rows: source
  // y 0.5, the mean of the two rows: column 0 (0, 1), column 1 (0.5, 0.5). Columns: source x -0.25 (-> 0),
  // 0.25, 0.75, 1.25 (-> 1): (0, 1) -> 1; 0.75 * col0 + 0.25 * col1 = (0.125, 0.875) -> 1; (0.375, 0.625) -> 1;
  // (0.5, 0.5) -> a tie -> class 0, the lower index as torch.argmax. Predictions 1 1 1 0, the original's labels.
  const withOriginal: SegmentationSplit = { ...split, originalMasks: [{ width: 2, height: 1, data: Uint8Array.of(0, 1) }, { width: 4, height: 1, data: Uint8Array.of(1, 1, 1, 0) }] };
  const acc2 = new IoUAccumulator(2);
  scoreLogitsBatch(acc2, logits.subarray(0, 8), withOriginal, [1]);
  assert.deepEqual(acc2.scores().perClass, [100, 100]);
  assert.throws(() => scoreLogitsBatch(acc2, logits, split, [1]), /expected 1 x 2 x 2 x 2/);
});
