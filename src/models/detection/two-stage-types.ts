// The detector contract the training loop and evaluator use, as committed on the det-onestage branch in
// src/models/detection/types.ts (ImageTruth, DetectorTargets, DetectionLoss, Detections,
// PostprocessOptions). These are structural copies so that the two-stage detector satisfies that
// `Detector` interface without the branch: when the branches merge, replace this file's declarations with
// re-exports from './types.js'.
import type { tf } from '../../engine/tf.js';

/** The ground truth of one image, in input-image pixels. */
export interface ImageTruth {
  /** [x0, y0, x1, y1] per object, 4 floats each. */
  boxes: Float32Array;
  /** Class index per object, 0..numClasses-1. */
  classes: Int32Array;
  /** 1 for VOC difficult / COCO crowd objects (not training targets), 0 otherwise. */
  flags: Uint8Array;
  /** Instance masks, objects * height * width bytes (1 inside the object), when the dataset has them. */
  masks?: Uint8Array;
}

export interface DetectorTargets {
  truth: readonly ImageTruth[];
  tensors: Record<string, tf.Tensor>;
}

export interface DetectionLoss {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

/** One image's detections, best score first; `masks` (count * H * W bytes, 0/1) from detectors with a mask head. */
export interface Detections {
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
  masks?: Uint8Array;
}

export interface PostprocessOptions {
  scoreThreshold: number;
  iouThreshold: number;
  preNmsTopK: number;
  maxDetections: number;
}
