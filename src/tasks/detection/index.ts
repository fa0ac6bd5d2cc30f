// Object detection (paper Tables 4-5): any Detector (src/models/detection/types.ts) trained with its own loss
// by the shared loop, and scored on the test split by the evaluator its dataset is published with (score.ts):
// COCOeval for coco and fashion-scenes, the VOC07 devkit (11-point AP@0.5) for voc-detection.
//
// - Input size: the model's (ModelEntry.inputSize: 300 SSD300, 640 YOLOv5s, 800 Mask R-CNN R50-FPN, 64 for the
//   CPU variants); every image is warped to it (data/detection-data.ts) and detections are mapped back to the
//   original image with the batch's scale factors before scoring.
// - Targets: encodeTargets runs inside loss(), i.e. inside the loop's tf.tidy and variableGrads. The targets are
//   constants there (tensors made from host arrays have no gradient path), so the tape ignores them, and the
//   loop's tidy frees them with the step: no release hook is needed.
// - Augmentation: the data module's flip and scale jitter (SCALE_JITTER), drawn from the run's augment
//   stream; `flip` follows the recipe, and a recipe without augmentation (crop 0, no flip: --no-augment)
//   turns the jitter off as well. This is not each paper recipe's full pipeline (SSD's photometric
//   distortion, expand and min-IoU crops; YOLOv5's mosaic and HSV): those are not implemented.
import { tf } from '../../engine/tf.js';
import { UserError } from '../../engine/errors.js';
import { normalisedImages, openDetectionData, readDetectionBatch, type BatchTruth } from '../../data/detection-data.js';
import { getModel, modelNames } from '../../models/registry.js';
import type { Detector } from '../../models/detection/types.js';
import type { JobSpec } from '../../contract/spec.js';
import { taskInfo } from '../catalog.js';
import type { Evaluation, Task, TrainingSession } from '../task.js';
import { buildSpecModel, shuffledBatches } from '../session-parts.js';
import { detectionProtocol, scoreDetections } from './score.js';
import { detectTestSet, evalBatchSize, type DetectionTestSet } from './detect.js';
import { writeDetectionExamples } from './examples.js';

export { detectImages, detectTestSet, type DetectionTestSet } from './detect.js';

/** Scale-jitter range of training augmentation (resize by a factor in it, crop or pad back). */
export const SCALE_JITTER: [number, number] = [0.75, 1.25];

export interface DetectionBatch {
  /** Normalised float32 NHWC pixels. */
  images: Float32Array;
  shape: [number, number, number, number];
  truth: BatchTruth[];
}

/** mAP@50, mAP@[.5:.95], mAP@75 (percent) and per-class AP of `detector` on the test set. */
export async function evaluateDetector(detector: Detector, test: DetectionTestSet, batchSize = evalBatchSize(detector.inputSize)): Promise<Evaluation> {
  const detections = await detectTestSet(detector, test, batchSize);
  return scoreDetections(test.records, detections, test.classNames, test.protocol);
}

/** The input side of a detection model (ModelEntry.inputSize); a UserError for a model that is not a detector. */
export function detectionInputSize(model: string): number {
  const entry = getModel(model);
  if (entry.task !== 'detection' || entry.inputSize === undefined) {
    const detectors = modelNames().filter((name) => getModel(name).task === 'detection');
    throw new UserError(`model '${model}' is not a detection model (the detection task takes ${detectors.join(', ')})`);
  }
  return entry.inputSize;
}

async function prepare(spec: JobSpec): Promise<TrainingSession<DetectionBatch>> {
  const recipe = spec.train;
  const side = detectionInputSize(spec.model);
  const { trainLimit, testLimit, dataDir } = spec.data;
  const data = await openDetectionData(spec.dataset, { trainLimit, testLimit, dataDir });
  const built = buildSpecModel(spec, data.classNames.length, [side, side, data.train.channels]);
  const detector = built.detector;
  if (!detector) throw new Error(`model '${spec.model}' is registered for detection but built no detector`);
  const augment = recipe.augment;
  const jitter = 'crop' in augment ? augment.crop > 0 : true;
  const augmenting = augment.flip || jitter;
  const test: DetectionTestSet = {
    source: data.test,
    records: data.testRecords,
    classNames: data.classNames,
    mean: data.mean,
    std: data.std,
    protocol: detectionProtocol(spec.dataset),
  };
  const session: TrainingSession<DetectionBatch> = {
    model: built.model,
    activationSites: built.activationSites,
    trainCount: data.train.count,
    testCount: data.test.count,
    dataSource: data.source,
    epochBatches: (streams) =>
      shuffledBatches(data.train.count, recipe.batchSize, streams.shuffle, async (indices) => {
        const batch = await readDetectionBatch(data.train, indices, {
          inputSize: detector.inputSize,
          masks: detector.trainsMasks === true,
          ...(augmenting ? { augment: { rng: streams.augment, flip: augment.flip, scale: jitter ? SCALE_JITTER : [1, 1] } } : {}),
        });
        return { images: normalisedImages(batch, data.mean, data.std), shape: batch.shape, truth: batch.truth };
      }),
    batchSize: (batch) => batch.shape[0],
    loss: (batch) => {
      const images = tf.tensor4d(batch.images, batch.shape);
      return detector.loss(images, detector.encodeTargets(batch.truth)).total;
    },
    evaluate: () => evaluateDetector(detector, test, evalBatchSize(detector.inputSize, recipe.batchSize)),
    // The first test images with their ground-truth and predicted boxes, for the report (examples.ts).
    writeExamples: async (dir) => {
      await writeDetectionExamples(detector, test, dir);
    },
    close: async () => undefined,
  };
  return session;
}

export const detectionTask: Task = { info: taskInfo('detection'), prepare: prepare as Task['prepare'] };
