// In-memory classification data: raw uint8 pixels in NHWC order plus labels. Normalisation and
// augmentation happen per batch, so a dataset costs one byte per pixel in memory.
export interface ClassificationSplit {
  count: number;
  /** count * H * W * C bytes, NHWC. */
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
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
}

export interface LoadOptions {
  dataDir?: string;
  trainLimit?: number;
  testLimit?: number;
}
