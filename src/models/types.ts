import type { tfl } from '../engine/tf.js';
import type { ActivationSpec } from '../contract/spec.js';
import type { TaskName } from '../contract/task-name.js';
import type { Detector } from './detection/types.js';

export interface ModelBuildOptions {
  activation: ActivationSpec;
  numClasses: number;
  /** [H, W, C] */
  inputShape: [number, number, number];
  /** Seeds every initializer, so the same seed builds the same weights. */
  seed: number;
  /** Batch-norm running-average momentum (Keras terms; 0.9 = PyTorch's 0.1). */
  bnMomentum?: number;
  /**
   * Build without dropout and drop-connect layers. For gradient checks and deterministic comparisons: a
   * dropped residual branch has zero gradient by design, which a check cannot tell from a bug.
   */
  withoutDropout?: boolean;
}

/** An activation the original architecture has that is deliberately NOT replaced (gates, not nonlinearities). */
export interface KeptActivation {
  layer: string;
  function: string;
}

export interface BuiltModel {
  model: tfl.LayersModel;
  /** Names of the layers that are activation sites (each its own instance of the plugged activation). */
  activationSites: string[];
  /** Activations kept as in the original (e.g. squeeze-and-excitation sigmoid gates); absent means none. */
  keptActivations?: KeptActivation[];
  /** Detection models: target encoding, loss and decoding around `model` (see detection/types.ts). */
  detector?: Detector;
}

export interface ModelEntry {
  name: string;
  family: string;
  /** The task whose head the model carries (classification when absent). */
  task?: TaskName;
  description: string;
  /**
   * Detection models: the square input side (pixels) the task resizes images to. Detectors are built for one
   * input size (priors, anchors, strides), so it belongs to the model, not the dataset: 300 for SSD300, 640 for
   * YOLOv5s, 800 for Mask R-CNN (torchvision's min_size), 64 for the CPU variants (fashion-scenes' canvas).
   */
  inputSize?: number;
  build(options: ModelBuildOptions): BuiltModel;
}

/** A family of models named by a pattern, e.g. wrn<depth>-<width>: resolves a matching name to an entry. */
export interface ModelPattern {
  family: string;
  /** How the names look, for listings and error messages, e.g. 'wrn<depth>-<width>[-drop<rate>]'. */
  syntax: string;
  description: string;
  /** The entry for `name`, undefined when the name is not of this family, a UserError when it is but is invalid. */
  resolve(name: string): ModelEntry | undefined;
}
