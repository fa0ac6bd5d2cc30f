// Running a detector over test images: batches read at the detector's input size, normalised, detected, and
// the boxes mapped back to each original image (the scale factors of data/detection-data.ts), for the
// evaluation (index.ts) and the example pictures (examples.ts).
import { tf } from '../../engine/tf.js';
import { batchIndices } from '../../data/batches.js';
import { normalisedImages, readDetectionBatch, type DetectionSource } from '../../data/detection-data.js';
import type { DetectionRecord } from '../../data/types.js';
import type { Detector } from '../../models/detection/types.js';
import type { DetectionProtocol, ImageDetections } from './score.js';

/**
 * Test images per detect() call, at most (the training batch size and EVAL_PIXELS may make it fewer). Mask
 * R-CNN's detect pools up to 100 detections an image for its mask head at once; when ROIAlign gathered
 * [cells x taps, C] on the WASM heap, 16 images of maskrcnn-small (1,600 RoIs, 1.3 GB) overflowed it
 * ("memory access out of bounds"). ROIAlign now sums on the host (models/detection/roi-align.ts) and 64
 * images run.
 */
export const EVAL_BATCH = 8;

/**
 * Input pixels one detect() call may hold: WASM's heap stops at 4 GB, and maskrcnn-r50-fpn at 800 x 800
 * (ResNet-50-FPN activations, ~300 MB an image) used 0.8 / 1.45 / 2.6 GB for 1 / 2 / 4 images and aborted
 * at 8. 4 x 800 x 800 keeps SSD300 and YOLOv5s at 8 and 6 images a call and the 64 x 64 variants at 8.
 */
export const EVAL_PIXELS = 4 * 800 * 800;

/** Images per detect() call for a detector of `inputSize`: EVAL_BATCH, the training batch and EVAL_PIXELS bound it. */
export function evalBatchSize([height, width]: [number, number], trainBatch = EVAL_BATCH): number {
  return Math.max(1, Math.min(EVAL_BATCH, trainBatch, Math.floor(EVAL_PIXELS / (height * width))));
}

/** What evaluation reads: the test images, their ground truth in original pixels, and how they are normalised. */
export interface DetectionTestSet {
  source: DetectionSource;
  records: readonly DetectionRecord[];
  classNames: readonly string[];
  mean: readonly number[];
  std: readonly number[];
  protocol: DetectionProtocol;
}

/** The detector's detections on the test images at `indices`, mapped back to original-image pixels (clipped to the image). */
export async function detectImages(detector: Detector, test: DetectionTestSet, indices: Int32Array, batchSize = evalBatchSize(detector.inputSize)): Promise<ImageDetections[]> {
  const out: ImageDetections[] = [];
  for (const batchOf of batchIndices(indices, batchSize)) {
    const batch = await readDetectionBatch(test.source, batchOf, { inputSize: detector.inputSize, masks: false });
    const images = tf.tensor4d(normalisedImages(batch, test.mean, test.std), batch.shape);
    const found = detector.detect(images);
    images.dispose();
    found.forEach((d, b) => {
      const { scaleX, scaleY, width, height } = batch.meta[b]!;
      const boxes = new Float32Array(d.boxes.length);
      for (let i = 0; i < d.boxes.length; i += 4) {
        boxes[i] = Math.min(width, d.boxes[i]! / scaleX);
        boxes[i + 1] = Math.min(height, d.boxes[i + 1]! / scaleY);
        boxes[i + 2] = Math.min(width, d.boxes[i + 2]! / scaleX);
        boxes[i + 3] = Math.min(height, d.boxes[i + 3]! / scaleY);
      }
      out.push({ boxes, scores: d.scores, classes: d.classes });
    });
  }
  return out;
}

/** detectImages over the whole test split, in order. */
export function detectTestSet(detector: Detector, test: DetectionTestSet, batchSize = evalBatchSize(detector.inputSize)): Promise<ImageDetections[]> {
  return detectImages(detector, test, Int32Array.from({ length: test.source.count }, (_, i) => i), batchSize);
}
