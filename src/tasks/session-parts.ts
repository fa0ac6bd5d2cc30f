// What every task's training session builds the same way: the model of a spec, and an epoch's batches in a
// shuffled order with each batch read only when the loop asks for it.
import type { tfl } from '../engine/tf.js';
import type { Rng } from '../engine/random.js';
import { batchIndices } from '../data/batches.js';
import { getModel } from '../models/registry.js';
import type { BuiltModel } from '../models/types.js';
import type { JobSpec } from '../contract/spec.js';

/** The spec's model with its activation plugged in, seeded by the spec's seed, for `numClasses` and `inputShape`. */
export function buildSpecModel(spec: JobSpec, numClasses: number, inputShape: [number, number, number]): BuiltModel & { model: tfl.LayersModel } {
  return getModel(spec.model).build({ activation: spec.activation, numClasses, inputShape, seed: spec.seed, bnMomentum: spec.train.bnMomentum });
}

/** One epoch: `count` examples in the order `shuffle` draws, cut into batches of `batchSize`, each read by `read` on demand. */
export function shuffledBatches<B>(count: number, batchSize: number, shuffle: Rng, read: (indices: Int32Array) => Promise<B>): Array<() => Promise<B>> {
  const order = shuffle.permutation(count);
  return [...batchIndices(order, batchSize)].map((indices) => () => read(indices));
}
