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
 * Test images per detect() call, at most (the training batch size when smaller). Mask R-CNN's detect pools
 * up to 100 detections an image for its mask head at once; when ROIAlign gathered [cells x taps, C] on the
 * WASM heap, 16 images of maskrcnn-small (1,600 RoIs, 1.3 GB) overflowed it ("memory access out of
 * bounds"). ROIAlign now sums on the host (models/detection/roi-align.ts) and 64 images run; 8 keeps the
 * peak memory of the paper-size detectors low.
 */
export const EVAL_BATCH = 8;

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
export async function detectImages(detector: Detector, test: DetectionTestSet, indices: Int32Array, batchSize = EVAL_BATCH): Promise<ImageDetections[]> {
  const out: ImageDetections[] = [];
  for (const batchOf of batchIndices(indices, batchSize)) {
    const batch = await readDetectionBatch(test.source, batchOf, { inputSize: detector.inputSize });
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
export function detectTestSet(detector: Detector, test: DetectionTestSet, batchSize = EVAL_BATCH): Promise<ImageDetections[]> {
  return detectImages(detector, test, Int32Array.from({ length: test.source.count }, (_, i) => i), batchSize);
}
