// What a model is, without running it: parameter counts, activation sites, shapes.
import type { ActivationSpec } from '../contract/spec.js';
import { getModel } from './registry.js';
import type { KeptActivation } from './types.js';
import type { TaskName } from '../contract/task-name.js';

export interface ModelSummary {
  model: string;
  family: string;
  description: string;
  activation: ActivationSpec;
  /** Trainable parameters, the plugged activations' own (e.g. ASH's z and alpha) included. */
  params: number;
  /** Trainable parameters of the activation sites alone. */
  activationParams: number;
  /** Batch-norm running statistics and other non-trained state. */
  nonTrainableParams: number;
  /** The sites where the plugged activation was put, each its own layer instance. */
  activationSites: { count: number; names: string[] };
  /** Activations left as the original has them (gates); the softmax is applied by the loss, not the model. */
  keptActivations: KeptActivation[];
  inputShape: [number, number, number];
  /** The logits' shape (a detector's first head output); null is the batch axis. */
  outputShape: (number | null)[];
  /** The task whose head the model carries. */
  task: TaskName;
  /** Every output by layer name (detectors have several, e.g. SSD's loc and conf). */
  outputs: { name: string; shape: (number | null)[] }[];
}

/** Elements of a weight; weights always have concrete shapes (null appears only in activation shapes). */
function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 0), 1);
}

/** Trainable parameters, as published model sizes count them (batch-norm running statistics excluded). */
export function trainableParams(model: { trainableWeights: { shape: readonly (number | null)[] }[] }): number {
  return model.trainableWeights.reduce((sum, w) => sum + sizeOf(w.shape), 0);
}

/** Build `name` (on the current backend; building allocates weights but runs nothing), describe it, dispose it. */
export function summarizeModel(
  name: string,
  options: { inputShape: [number, number, number]; numClasses: number; activation: ActivationSpec; seed?: number },
): ModelSummary {
  const entry = getModel(name);
  const built = entry.build({ activation: options.activation, numClasses: options.numClasses, inputShape: options.inputShape, seed: options.seed ?? 1 });
  try {
    const { model } = built;
    const sites = new Set(built.activationSites);
    const params = trainableParams(model);
    const activationParams = model.layers
      .filter((layer) => sites.has(layer.name))
      .reduce((sum, layer) => sum + layer.trainableWeights.reduce((s, w) => s + sizeOf(w.shape), 0), 0);
    const nonTrainableParams = model.nonTrainableWeights.reduce((sum, w) => sum + sizeOf(w.shape), 0);
    return {
      model: name,
      family: entry.family,
      description: entry.description,
      activation: options.activation,
      params,
      activationParams,
      nonTrainableParams,
      activationSites: { count: built.activationSites.length, names: built.activationSites },
      keptActivations: built.keptActivations ?? [],
      inputShape: options.inputShape,
      outputShape: model.outputs[0]!.shape,
      task: entry.task ?? 'classification',
      outputs: model.outputs.map((o) => ({ name: o.name.replace(/\/.*$/, ''), shape: o.shape })),
    };
  } finally {
    built.model.dispose();
  }
}
