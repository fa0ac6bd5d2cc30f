// In-memory classification data: raw uint8 pixels in NHWC order plus labels. Normalisation and
// augmentation happen per batch, so a dataset costs one byte per pixel in memory.
import type { PackedSegmentations } from './coco-segmentation.js';

export interface ClassificationSplit {
  count: number;
  /** count * H * W * C bytes, NHWC. */
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
  /** [H, W, C] of each image when it differs from the data's inputShape (see splitShape). */
  shape?: [number, number, number];
}

/**
 * A split whose images stay on disk and are read batch by batch (ImageNet-sized data), so memory holds the
 * labels and one batch rather than the whole split.
 */
export interface StreamedSplit {
  count: number;
  labels: Uint8Array | Int32Array;
  /** The images at `indices`, HWC each, concatenated in the order given. */
  readImages(indices: ArrayLike<number>): Promise<Uint8Array>;
  close(): Promise<void>;
  /** [H, W, C] of each image when it differs from the data's inputShape (see splitShape). */
  shape?: [number, number, number];
}

/** What the training loop accepts: a split in memory or one streamed from disk. */
export type TrainingSplit = ClassificationSplit | StreamedSplit;

export function isStreamed(split: TrainingSplit): split is StreamedSplit {
  return 'readImages' in split;
}

/**
 * The stored size of a split's images: the model's input size, except for a training split kept at its
 * larger source size (`ReaderOptions.trainSourceSize`) for random-resized-crop to cut boxes from.
 */
export function splitShape(data: { inputShape: [number, number, number] }, split: TrainingSplit): [number, number, number] {
  return split.shape ?? data.inputShape;
}

/** ClassificationData whose splits may be streamed (what `ash train --stream` loads). */
export interface TrainingData extends Omit<ClassificationData, 'train' | 'test'> {
  train: TrainingSplit;
  test: TrainingSplit;
}

export interface ClassificationData {
  dataset: string;
  numClasses: number;
  /** [H, W, C] */
  inputShape: [number, number, number];
  /** Per-channel mean and std of pixel/255 used to normalise inputs. */
  mean: number[];
  std: number[];
  /** Whether horizontal flips make sense as augmentation (they do for clothes and CIFAR, not for digits). */
  flipOk: boolean;
  train: ClassificationSplit;
  test: ClassificationSplit;
  /** Where the data came from (files), for the run record. */
  source: string[];
  /** Class names in label order, where the format ships them. */
  classNames?: string[];
}

export interface LoadOptions {
  dataDir?: string;
  trainLimit?: number;
  testLimit?: number;
}

/** Extra loader options some readers understand; every field is optional so older callers keep working. */
export interface ReaderOptions extends LoadOptions {
  /** Decoded-tensor cache: directory to use, or false to bypass it (default: $ASH_CACHE_DIR or .cache/ash-bench). */
  cacheDir?: string | false;
  /** Output side length for readers that resize (imagefolder); ignored by fixed-size formats. */
  imageSize?: number;
  /**
   * Training will random-resized-crop: readers that resize (imagefolder) keep the training split at their
   * resize target, the square of the shorter side (256 for 224), rather than cutting it down to the input
   * size, so the crops see more than the evaluation view. Fixed-size formats ignore it.
   */
  trainSourceSize?: boolean;
  /** What to do with an image that cannot be decoded: 'error' (default) or 'skip' with one warning naming the count. */
  onUnreadable?: 'error' | 'skip';
  /** Where warnings go (default: process.stderr). */
  warn?: (message: string) => void;
}

export type DatasetTask = 'classification' | 'detection' | 'segmentation';

/** One image with its boxes, as parsed from VOC XML, COCO JSON or composed by fashion-scenes. */
export interface DetectionRecord {
  /** The image's id in its own format (VOC file stem, COCO numeric id as text). */
  id: string;
  /** Absolute path of the image file, or '' for images that only exist in memory (fashion-scenes). */
  file: string;
  width: number;
  height: number;
  /** Boxes as [x, y, w, h] in pixels from the top-left corner (COCO's convention), 4 floats per object. */
  boxes: Float32Array;
  /** Contiguous class index per object, 0..classNames.length-1. */
  classes: Int32Array;
  /** VOC `difficult` or COCO `iscrowd`, 1 per flagged object. Kept, not dropped: evaluation decides. */
  flags: Uint8Array;
  /**
   * COCO: every object's segmentation, packed, rasterised to instance masks when the image is read
   * (coco-segmentation.ts decodeInstanceMasks). Absent when some object has none.
   */
  segmentations?: PackedSegmentations;
}

export interface DetectionData {
  dataset: string;
  classNames: string[];
  splits: Record<string, DetectionRecord[]>;
  source: string[];
}

/** One image / mask pair. Masks hold class indices 0..numClasses-1 and IGNORE_INDEX for "don't care". */
export interface SegmentationRecord {
  id: string;
  imageFile: string;
  maskFile: string;
}

export interface SegmentationData {
  dataset: string;
  classNames: string[];
  splits: Record<string, SegmentationRecord[]>;
  source: string[];
}

/** The label value that losses and metrics skip (VOC's border value; ADE20K's 0 is remapped to it). */
export const IGNORE_INDEX = 255;

/** A decoded class-index mask, row-major. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}
