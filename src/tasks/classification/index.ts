// Classification (paper Tables 1-3): softmax cross-entropy on class logits; top-1, top-5 and the validation loss
// on the test split after every epoch.
import { tf, tfl } from '../../engine/tf.js';
import { loadTrainingData } from '../../data/registry.js';
import { batchIndices, readBatch, type Batch } from '../../data/batches.js';
import { isStreamed, type TrainingData, type TrainingSplit } from '../../data/types.js';
import { isRandomResizedCrop } from '../../data/augment.js';
import type { JobSpec } from '../../contract/spec.js';
import { taskInfo } from '../catalog.js';
import { buildSpecModel, shuffledBatches } from '../session-parts.js';
import type { Task, TrainingSession } from '../task.js';
import { emptyTally, summarise, tallyBatch } from './metrics.js';

const EVAL_BATCH = 256;

function toTensors(data: TrainingData, batch: Batch): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const [h, w, c] = data.inputShape;
  const xs = tf.tensor4d(batch.x, [batch.size, h, w, c]);
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(batch.y, 'int32'), data.numClasses), 'float32') as tf.Tensor2D);
  return { xs, ys };
}

/** Softmax cross-entropy of `model` on a batch of images and one-hot labels (training mode). */
export function classificationLoss(model: tfl.LayersModel, xs: tf.Tensor4D, ys: tf.Tensor2D): tf.Scalar {
  const logits = model.apply(xs, { training: true }) as tf.Tensor;
  return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
}

/** Top-1, top-5 (percent) and the mean cross-entropy of `model` on `split`. */
export async function evaluateClassifier(model: tfl.LayersModel, data: TrainingData, split: TrainingSplit): Promise<{ top1: number; top5: number; valLoss: number }> {
  const tally = emptyTally();
  const order = new Int32Array(split.count).map((_, i) => i);
  for (const indices of batchIndices(order, EVAL_BATCH)) {
    const batch = await readBatch(data, split, indices);
    const [h, w, c] = data.inputShape;
    const logProbs = tf.tidy(() => {
      const logits = model.apply(tf.tensor4d(batch.x, [batch.size, h, w, c]), { training: false }) as tf.Tensor;
      return tf.logSoftmax(logits);
    });
    tallyBatch(tally, logProbs.dataSync() as Float32Array, batch.y, data.numClasses);
    logProbs.dispose();
  }
  return summarise(tally);
}

async function prepare(spec: JobSpec): Promise<TrainingSession<Batch>> {
  const recipe = spec.train;
  // Random-resized-crop cuts its boxes from the larger source-size images (256 for a 224 input), not from
  // the evaluation crop; evaluation reads the test split at the input size either way.
  const data = await loadTrainingData(spec.dataset, { ...spec.data, trainSourceSize: isRandomResizedCrop(recipe.augment) });
  const { model, activationSites } = buildSpecModel(spec, data.numClasses, data.inputShape);
  return {
    model,
    activationSites,
    trainCount: data.train.count,
    testCount: data.test.count,
    dataSource: data.source,
    epochBatches: (streams) =>
      shuffledBatches(data.train.count, recipe.batchSize, streams.shuffle, (indices) => readBatch(data, data.train, indices, { rng: streams.augment, options: recipe.augment })),
    batchSize: (batch) => batch.size,
    loss: (batch) => {
      const { xs, ys } = toTensors(data, batch);
      return classificationLoss(model, xs, ys);
    },
    evaluate: async () => ({ metrics: await evaluateClassifier(model, data, data.test) }),
    close: async () => {
      for (const split of [data.train, data.test]) if (isStreamed(split)) await split.close();
    },
  };
}

export const classificationTask: Task = { info: taskInfo('classification'), prepare: prepare as Task['prepare'] };
