// A trained model in TensorFlow.js's LayersModel format: <job>/model/model.json (topology and weights manifest)
// and weights.bin, as tfjs-node's file:// handler writes them. @tensorflow/tfjs-node is not a dependency, so the
// files are written and read here with node's fs through tfjs's pass-through handlers. Loading needs the
// project's layers registered (ASH, SeededDropout, ...), which importing this package does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import { refuseLink, writeFolderAtomic } from './store.js';

export const MODEL_DIR = 'model';
const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Write `model` into `dir` (replaced whole, atomically) as model.json + weights.bin. */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      // The fields tfjs-node's file:// handler writes (tf.io's own helper for this is not exported).
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? '',
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      writeFolderAtomic(dir, { [WEIGHTS_BIN]: new Uint8Array(weightData), [MODEL_JSON]: `${JSON.stringify(modelJson)}\n` });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/**
 * Load a model that saveLayersModel (or `ash train`) wrote: `dir` is the folder holding model.json, e.g.
 * `runs/r1/model`. The weights file is read from beside model.json, as its manifest names it.
 */
export async function loadLayersModelFromDir(dir: string): Promise<tfl.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON);
  if (!existsSync(jsonPath)) throw new UserError(`${dir}: no ${MODEL_JSON} (expected a model folder written by ash train, e.g. <out>/${MODEL_DIR})`);
  refuseLink(jsonPath);
  const modelJson = JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const path of group.paths) {
        // Only files beside model.json, as this format writes them: a manifest never reaches outside its folder.
        const name = path.replace(/^\.\//, '');
        if (name === '' || name.includes('/') || name.includes('\\') || name === '..') throw new UserError(`${jsonPath}: weights path '${path}': expected a file name beside ${MODEL_JSON}`);
        const file = join(dir, name);
        refuseLink(file);
        const bytes = readFileSync(file);
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      }
      specs.push(...group.weights);
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}
