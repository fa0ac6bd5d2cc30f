import type { tfl } from '../engine/tf.js';
import type { ActivationSpec } from '../tasks/spec.js';

export interface ModelBuildOptions {
  activation: ActivationSpec;
  numClasses: number;
  /** [H, W, C] */
  inputShape: [number, number, number];
  /** Seeds every initializer, so the same seed builds the same weights. */
  seed: number;
  /** Batch-norm running-average momentum (Keras terms; 0.9 = PyTorch's 0.1). */
  bnMomentum?: number;
}

export interface BuiltModel {
  model: tfl.LayersModel;
  /** Names of the layers that are activation sites (each its own instance of the plugged activation). */
  activationSites: string[];
}

export interface ModelEntry {
  name: string;
  family: string;
  description: string;
  build(options: ModelBuildOptions): BuiltModel;
}
