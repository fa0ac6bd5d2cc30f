// Semantic segmentation (paper Tables 6-7): per-pixel softmax cross-entropy that skips the ignore label (255), as
// PyTorch's CrossEntropyLoss(ignore_index=255) averages it; evaluation as mmsegmentation's IoUMetric (metrics.ts):
// mIoU and pixel accuracy over the whole validation split, per-class IoU, and the validation loss.
import { tf, tfl } from '../../engine/tf.js';
import { batchIndices } from '../../data/batches.js';
import { loadSegmentationDataset } from '../../data/registry.js';
import { makeSegmentationBatch, type SegmentationBatch } from '../../data/segmentation-batches.js';
import type { SegmentationSplit, SegmentationTrainingData } from '../../data/segmentation-types.js';
import type { JobSpec } from '../../contract/spec.js';
import type { MetricRecord } from '../../contract/result.js';
import { taskInfo } from '../catalog.js';
import { buildSpecModel, shuffledBatches } from '../session-parts.js';
import type { Task, TrainingSession } from '../task.js';
import { IoUAccumulator } from './metrics.js';
import { scoreLogitsBatch } from './score-batch.js';
import { writeSegmentationExamples } from './examples.js';

const EVAL_BATCH = 16;

/** Sum of per-pixel cross-entropy over labelled pixels, and how many there were (ignore pixels count for neither). */
function crossEntropySum(logits: tf.Tensor, labels: tf.Tensor, numClasses: number, ignoreIndex: number): { sum: tf.Scalar; count: tf.Scalar } {
  const flatLabels = tf.reshape(tf.cast(labels, 'int32'), [-1]);
  const valid = tf.cast(tf.notEqual(flatLabels, ignoreIndex), 'float32');
  // An ignore pixel's label is replaced by class 0 for the one-hot and then weighted by 0.
  const safe = tf.where(tf.notEqual(flatLabels, ignoreIndex), flatLabels, tf.zerosLike(flatLabels));
  const logProbs = tf.logSoftmax(tf.reshape(logits, [-1, numClasses]));
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(safe, numClasses)), 1);
  return { sum: tf.neg(tf.sum(tf.mul(picked, valid))) as tf.Scalar, count: tf.sum(valid) as tf.Scalar };
}

/** Mean cross-entropy over the labelled pixels of a batch (0 when a batch has none, so a crop of padding cannot give NaN). */
export function segmentationLoss(logits: tf.Tensor, labels: tf.Tensor, numClasses: number, ignoreIndex: number): tf.Scalar {
  const { sum, count } = crossEntropySum(logits, labels, numClasses, ignoreIndex);
  return tf.div(sum, tf.maximum(count, 1)) as tf.Scalar;
}

function batchTensors(batch: SegmentationBatch): { xs: tf.Tensor4D; ys: tf.Tensor3D } {
  return {
    xs: tf.tensor4d(batch.x, [batch.size, batch.height, batch.width, batch.channels]),
    ys: tf.tensor3d(Int32Array.from(batch.y), [batch.size, batch.height, batch.width], 'int32'),
  };
}

/** mIoU, pixel accuracy (percent) and the mean validation loss of `model` on `split`, with per-class IoU. */
export async function evaluateSegmenter(
  model: tfl.LayersModel,
  data: SegmentationTrainingData,
  split: SegmentationSplit,
): Promise<{ metrics: { miou: number; pixelAcc: number; valLoss: number }; perClass: Record<string, MetricRecord> }> {
  const accumulator = new IoUAccumulator(data.numClasses, data.ignoreIndex);
  let lossSum = 0;
  let pixels = 0;
  const order = Int32Array.from({ length: split.count }, (_, i) => i);
  for (const indices of batchIndices(order, EVAL_BATCH)) {
    const batch = makeSegmentationBatch(data, split, indices);
    const [logits, loss, count] = tf.tidy(() => {
      const { xs, ys } = batchTensors(batch);
      const out = model.apply(xs, { training: false }) as tf.Tensor;
      const { sum, count } = crossEntropySum(out, ys, data.numClasses, data.ignoreIndex);
      return [out, sum, count];
    });
    scoreLogitsBatch(accumulator, (await logits.data()) as Float32Array, split, indices);
    lossSum += (await loss.data())[0]!;
    pixels += (await count.data())[0]!;
    tf.dispose([logits, loss, count]);
  }
  const scores = accumulator.scores();
  const perClass: Record<string, MetricRecord> = {};
  scores.perClass.forEach((iou, c) => (perClass[data.classNames[c] ?? String(c)] = { iou: Number.isFinite(iou) ? iou : null }));
  return { metrics: { miou: scores.miou, pixelAcc: scores.pixelAcc, valLoss: pixels > 0 ? lossSum / pixels : NaN }, perClass };
}

async function prepare(spec: JobSpec): Promise<TrainingSession<SegmentationBatch>> {
  const recipe = spec.train;
  const { trainLimit, testLimit, dataDir } = spec.data;
  const data = await loadSegmentationDataset(spec.dataset, { trainLimit, testLimit, dataDir });
  const { model, activationSites } = buildSpecModel(spec, data.numClasses, data.inputShape);
  return {
    model,
    activationSites,
    trainCount: data.train.count,
    testCount: data.val.count,
    dataSource: data.source,
    // The dataset's own recipe (mmseg's: random rescale 0.5-2, crop with ignore padding, flip): image and mask move together.
    epochBatches: (streams) =>
      shuffledBatches(data.train.count, recipe.batchSize, streams.shuffle, async (indices) =>
        makeSegmentationBatch(data, data.train, indices, { rng: streams.augment, options: data.augment }),
      ),
    batchSize: (batch) => batch.size,
    loss: (batch) => {
      const { xs, ys } = batchTensors(batch);
      return segmentationLoss(model.apply(xs, { training: true }) as tf.Tensor, ys, data.numClasses, data.ignoreIndex);
    },
    evaluate: () => evaluateSegmenter(model, data, data.val),
    writeExamples: async (dir) => void (await writeSegmentationExamples(model, data, data.val, dir)),
    close: async () => undefined,
  };
}

export const segmentationTask: Task = { info: taskInfo('segmentation'), prepare: prepare as Task['prepare'] };
