// The contract between a detector (one-stage SSD / YOLO, two-stage Mask R-CNN) and the task that trains and
// evaluates it. A detector is more than a LayersModel: the ground truth has to be turned into the targets
// its loss wants (priors matched, anchors assigned, proposals sampled), and its raw outputs have to be
// decoded into boxes and passed through non-maximum suppression. This interface keeps those three steps
// with the model that defines them, so the training loop stays the same for every detector:
//
//   const targets = detector.encodeTargets(batch.truth);                   // host side, outside the tape
//   const { value } = tf.variableGrads(() => detector.loss(images, targets).total, variables);
//   disposeTargets(targets);
//   ...
//   const detections = detector.detect(testImages);                        // per image, for the mAP evaluator
//
// Conventions, for every detector:
// - Coordinates are pixels of the detector's input image (inputSize), corners [x0, y0, x1, y1], no +1:
//   a box covering pixel columns 0..9 is [0, y0, 10, y1]. The data pipeline resizes images and boxes to the
//   input size and keeps the scale factors, so the evaluator maps detections back to the original image.
// - Images are float32 NHWC at inputSize, normalised per channel as the dataset says (like classification).
// - Classes are 0..numClasses-1 (objects only); a detector that scores background adds it internally.
// - Ground-truth objects flagged as VOC `difficult` or COCO `iscrowd` are not training targets (as in
//   ssd.pytorch's keep_difficult=False and the COCO recipes' ignored crowds); evaluation sees the flags.
import type { tf } from '../../engine/tf.js';

/** The ground truth of one image, in input-image pixels. */
export interface ImageTruth {
  /** [x0, y0, x1, y1] per object, 4 floats each. */
  boxes: Float32Array;
  /** Class index per object, 0..numClasses-1. */
  classes: Int32Array;
  /** 1 for VOC difficult / COCO crowd objects (ignored by training losses), 0 otherwise. */
  flags: Uint8Array;
  /**
   * Instance masks, objects * height * width bytes (1 inside the object) at the input size, when the
   * dataset has them (fashion-scenes, COCO). Only mask heads (two-stage) read them.
   */
  masks?: Uint8Array;
}

/** What encodeTargets made: the tensors the loss needs, plus the host-side truth for detectors that sample. */
export interface DetectorTargets {
  truth: readonly ImageTruth[];
  /** Detector-specific target tensors (e.g. SSD's matched offsets and labels); disposed by disposeTargets. */
  tensors: Record<string, tf.Tensor>;
}

export interface DetectionLoss {
  /** The scalar to minimise (what variableGrads differentiates). */
  total: tf.Scalar;
  /** Its named parts (e.g. loc and conf), for logging; each a scalar, summing (with weights) to total. */
  parts: Record<string, tf.Scalar>;
}

/** The detections of one image after decoding and non-maximum suppression, best score first. */
export interface Detections {
  /** [x0, y0, x1, y1] per detection, input-image pixels, clipped to the image. */
  boxes: Float32Array;
  scores: Float32Array;
  /** 0..numClasses-1 */
  classes: Int32Array;
  /** Instance masks, detections * height * width bytes (1 inside), from detectors with a mask head. */
  masks?: Uint8Array;
}

/**
 * Post-processing for evaluation. The defaults keep the precision-recall curve whole: a low score floor
 * (0.01, as ssd.pytorch's conf_thresh) only removes what would sit far past the recall the curve reaches,
 * and up to 200 detections per image survive (ssd.pytorch's top_k; COCOeval reads the best 100).
 */
export interface PostprocessOptions {
  /** Drop candidates scoring at or below this before NMS. */
  scoreThreshold: number;
  /** NMS IoU threshold, per class. */
  iouThreshold: number;
  /** Candidates per class going into NMS (best scores first). */
  preNmsTopK: number;
  /** Detections kept per image after NMS, over all classes. */
  maxDetections: number;
}

export interface Detector {
  /** [height, width] of the input images, in pixels. */
  readonly inputSize: [number, number];
  /** Object classes (background not counted). */
  readonly numClasses: number;
  /** True when encodeTargets reads the truth's instance masks (a mask head): only then do batches carry them. */
  readonly trainsMasks?: boolean;
  /**
   * Turn a batch's ground truth into the loss's targets. Called outside the gradient tape, once per batch;
   * the caller disposes the result with disposeTargets.
   */
  encodeTargets(truth: readonly ImageTruth[]): DetectorTargets;
  /** Training forward pass and loss on a batch (training-mode batch norm, dropout). Call inside the tape. */
  loss(images: tf.Tensor4D, targets: DetectorTargets): DetectionLoss;
  /** Inference forward pass, decoding and per-class NMS: one Detections per image. Tensors are freed. */
  detect(images: tf.Tensor4D, options?: Partial<PostprocessOptions>): Detections[];
}

export function disposeTargets(targets: DetectorTargets): void {
  for (const t of Object.values(targets.tensors)) t.dispose();
}
