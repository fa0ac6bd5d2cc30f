// In-memory semantic segmentation data for training and evaluation: uint8 images (NHWC) and uint8 masks
// (class indices, IGNORE_INDEX = don't care) in one fixed square frame per split, so a batch is a copy
// with normalisation and augmentation on the way (segmentation-batches.ts).
import type { Mask, ReaderOptions } from './types.js';

export interface SegmentationSplit {
  count: number;
  /** Side of the square frame every image is stored in. */
  size: number;
  channels: number;
  /** count x size x size x channels bytes, NHWC; each image's content at the top-left, zeros after it. */
  images: Uint8Array;
  /** count x size x size class indices; IGNORE_INDEX where the label says so and over the padding. */
  masks: Uint8Array;
  /** Height and width of each image's content in the frame, 2 numbers per image. */
  contentSizes: Int32Array;
  /**
   * Each image's label at its original size, where the frame resized it (VOC, ADE20K): scores are computed
   * against these, as mmseg does (see logitsToLabels). Absent when the frame holds the labels unresized.
   */
  originalMasks?: Mask[];
  /** The image ids (file stems, or scene ids), in order. */
  ids: string[];
}

/** The training augmentation, mmseg's recipe: RandomResize(ratio_range), RandomCrop(cat_max_ratio), RandomFlip. */
export interface SegmentationAugment {
  /** Factor range the stored content is rescaled by, drawn uniformly (mmseg: ratio_range (0.5, 2.0)). */
  scale: [number, number];
  /** Side of the square training crop; a smaller rescaled image is padded to it at the bottom and right. */
  cropSize: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
  /** mmseg's cat_max_ratio: redraw a crop (up to 10 times) while one class covers this share of its labelled pixels or more; 1 = off. */
  catMaxRatio: number;
}

export interface SegmentationTrainingData {
  dataset: string;
  /** Classes scored (ignore not counted). */
  numClasses: number;
  classNames: string[];
  /** [cropSize, cropSize, channels]: the training input. Evaluation feeds the whole frame, [size, size, channels]. */
  inputShape: [number, number, number];
  /** [size, size, channels]: the evaluation input (equal to inputShape unless cropSize was set smaller). */
  evalShape: [number, number, number];
  /** Per-channel mean and std of pixel / 255 (inputs are (pixel / 255 - mean) / std). */
  mean: number[];
  std: number[];
  ignoreIndex: number;
  /** The augmentation this dataset trains with by default. */
  augment: SegmentationAugment;
  train: SegmentationSplit;
  val: SegmentationSplit;
  source: string[];
}

export interface SegmentationLoadOptions extends ReaderOptions {
  /** Frame side for datasets with photos of varied sizes (VOC, ADE20K): the longer side is resized to it. Default 256. */
  imageSize?: number;
  /** Training crop side (default: the frame side). */
  cropSize?: number;
  /** VOC only: train on train.txt plus SBD's aug.txt (SegmentationClassAug/), as mmseg's pascal_voc12_aug. */
  augmented?: boolean;
  /** fashion-scenes only: scene composition (canvas, items per scene, seed). */
  scenes?: { canvas?: number; minItems?: number; maxItems?: number; seed?: number; threshold?: number };
}
