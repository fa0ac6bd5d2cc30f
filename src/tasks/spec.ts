// The plain data types that flow between the CLI, the runner and the training loop.
import type { BackendChoice } from '../engine/backend.js';
import type { Augment, PadCropAugment } from '../data/augment.js';

/** An activation by name plus its options, e.g. { name: 'ash', k: 0.5 }. */
export interface ActivationSpec {
  name: string;
  [option: string]: unknown;
}

export interface OptimizerSpec {
  name: 'sgd';
  lr: number;
  momentum: number;
  nesterov: boolean;
  /** L2 weight decay added to the gradient of conv/dense kernels (PyTorch's weight_decay). */
  weightDecay: number;
}

export interface TrainRecipe {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  schedule: 'cosine' | 'constant';
  /** Batch-norm running-average momentum in Keras terms (PyTorch's 0.1 is 0.9 here). */
  bnMomentum: number;
  /**
   * Training augmentation, spelled out: `{ crop, flip }` (no kind) is the padded random crop and flips,
   * `{ kind: 'random-resized-crop', scale, ratio, flip }` the ImageNet recipe. Configs and `ash train`
   * fill the kind from the dataset when it is not given (data/registry.ts augmentFor); runTraining takes
   * the spec as written.
   */
  augment: Augment;
}

export interface DataLimits {
  trainLimit?: number;
  testLimit?: number;
  dataDir?: string;
  /** Stream the data from the on-disk cache batch by batch instead of loading it whole (imagefolder, tiny-imagenet). */
  stream?: boolean;
}

/** Everything that determines one training run. Two equal specs give equal results on the same backend. */
export interface TrainSpec {
  activation: ActivationSpec;
  /** Row label in reports; defaults to the activation name. */
  label?: string;
  model: string;
  dataset: string;
  seed: number;
  backend: BackendChoice;
  train: TrainRecipe;
  data: DataLimits;
}

/** Learned parameters of one ASH layer, recorded after each epoch. */
export interface AshLayerState {
  layer: string;
  z: number;
  alpha: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  top1: number;
  top5: number;
  lr: number;
  seconds: number;
  ash?: AshLayerState[];
}

export interface TrainMetrics {
  top1: number;
  top5: number;
  valLoss: number;
}

export interface TrainResult {
  status: 'ok' | 'diverged';
  metrics: TrainMetrics;
  history: EpochRecord[];
  env: { backend: string; versions: Record<string, string>; [k: string]: unknown };
  spec: TrainSpec;
  /** Why a diverged run stopped. */
  error?: string;
}

// The CIFAR recipe; datasets that default to another augmentation get it when configs are expanded.
export const DEFAULT_RECIPE: TrainRecipe & { augment: PadCropAugment } = {
  epochs: 2,
  batchSize: 128,
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  schedule: 'cosine',
  bnMomentum: 0.9,
  augment: { crop: 4, flip: true },
};
