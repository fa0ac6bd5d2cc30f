// Feeds test images through a trained classifier and measures, at every ASH layer, what fraction of its input
// the layer keeps and how Gaussian that input is (activations/ash-gate-stats.ts): the check of the paper's
// Proposition 1, which turns "keep the top k" into a z-score threshold by assuming Gaussian pre-activations.
import { tf, tfl } from '../../engine/tf.js';
import { UserError } from '../../engine/errors.js';
import { isAshLayer } from '../../activations/registry.js';
import type { AshLayer } from '../../activations/layers/ash.js';
import { GateStatsAccumulator, type GateStats } from '../../activations/ash-gate-stats.js';
import { statsView } from '../../activations/tensor-utils.js';
import { batchIndices, readBatch } from '../../data/batches.js';
import type { TrainingData } from '../../data/types.js';

export interface AshLayerAnalysis extends GateStats {
  layer: string;
  /** The layer's learned parameters, and the scope of its statistics. */
  z: number;
  alpha: number;
  stats: 'sample' | 'channel';
}

/** Images per forward pass: bounds the memory of holding every ASH layer's input at once. */
const ANALYSIS_BATCH = 32;

/** The model's ASH layers, top level only: the functional zoo models have them there. */
export function ashLayersOf(model: tfl.LayersModel): AshLayer[] {
  const found = model.layers.filter(isAshLayer);
  const nested = model.layers.some((l) => Array.isArray((l as unknown as { layers?: unknown }).layers) && (l as unknown as { layers: unknown[] }).layers.some(isAshLayer));
  if (nested) throw new UserError(`model ${model.name}: ASH layers inside a nested model are not analysed (the zoo's models have them at the top level)`);
  return found;
}

/**
 * A model with the same inputs whose outputs are the inputs of the given layers (each called once, as in the
 * zoo's functional models): one forward pass gives every layer's pre-activations.
 */
export function layerInputsModel(model: tfl.LayersModel, layers: readonly tfl.layers.Layer[]): tfl.LayersModel {
  const outputs = layers.map((layer) => {
    if (layer.inboundNodes.length !== 1) throw new UserError(`layer ${layer.name} is called ${layer.inboundNodes.length} times; expected once`);
    return layer.input as tfl.SymbolicTensor;
  });
  return tfl.model({ inputs: model.inputs, outputs });
}

/** Per ASH layer, over the first `samples` images of `data.test` (in inference mode: BN with its moving statistics). */
export async function analyzeAshModel(model: tfl.LayersModel, data: TrainingData, samples: number): Promise<AshLayerAnalysis[]> {
  if (!(Number.isInteger(samples) && samples >= 1)) throw new UserError(`--samples: expected a whole number >= 1, got ${samples}`);
  const layers = ashLayersOf(model);
  if (layers.length === 0) return [];
  const probe = layerInputsModel(model, layers);
  const accumulators = layers.map((layer) => {
    const { z, alpha } = layer.currentParameters();
    return new GateStatsAccumulator(z, alpha, layer.mathOptions.epsilon);
  });
  const count = Math.min(samples, data.test.count);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const [h, w, c] = data.inputShape;
  for (const indices of batchIndices(order, ANALYSIS_BATCH)) {
    const batch = await readBatch(data, data.test, indices);
    const views = tf.tidy(() => {
      const outputs = probe.predict(tf.tensor4d(batch.x, [batch.size, h, w, c])) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(outputs) ? outputs : [outputs];
      return list.map((x, i) => statsView(x, layers[i]!.mathOptions.stats));
    });
    for (let i = 0; i < views.length; i++) {
      accumulators[i]!.add(views[i]!.dataSync() as Float32Array, views[i]!.shape);
      views[i]!.dispose();
    }
  }
  return layers.map((layer, i) => ({
    layer: layer.name,
    z: accumulators[i]!.z,
    alpha: accumulators[i]!.alpha,
    stats: layer.mathOptions.stats,
    ...accumulators[i]!.result(),
  }));
}
