// A tiny segmentation case whose outputs are known by hand: a frozen 1x1 conv "model" and two 2x2 grey images.
import { tf, tfl } from '../../src/engine/tf.js';
import type { SegmentationSplit, SegmentationTrainingData } from '../../src/data/segmentation-types.js';

/**
 * With mean = std = 0.5 the input is x = 2 p / 255 - 1: p = 255 -> +1, p = 0 -> -1. The frozen 1x1 conv with
 * kernel (1, -1) and no bias gives logits (x, -x): bright pixels predict class 0 with logits (1, -1), dark
 * ones class 1 with (-1, 1).
 */
export function frozenSignModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [2, 2, 1] });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 1, useBias: false, trainable: false, weights: [tf.tensor4d([1, -1], [1, 1, 1, 2])] });
  return tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor });
}

/**
 * Image A: pixels 255 0 255 0, labels 0 1 1 255 (row-major 2x2) -> the model predicts 0 1 0 1.
 * Image B: pixels 0 0 0 0,     labels 1 1 0 0                   -> the model predicts 1 1 1 1.
 */
export function handSegmentationData(): SegmentationTrainingData {
  const val: SegmentationSplit = {
    count: 2,
    size: 2,
    channels: 1,
    images: Uint8Array.of(255, 0, 255, 0, 0, 0, 0, 0),
    masks: Uint8Array.of(0, 1, 1, 255, 1, 1, 0, 0),
    contentSizes: Int32Array.of(2, 2, 2, 2),
    ids: ['a', 'b'],
  };
  return {
    dataset: 'hand',
    numClasses: 2,
    classNames: ['background', 'thing'],
    inputShape: [2, 2, 1],
    evalShape: [2, 2, 1],
    mean: [0.5],
    std: [0.5],
    ignoreIndex: 255,
    augment: { scale: [1, 1], cropSize: 2, flip: false, catMaxRatio: 1 },
    train: val,
    val,
    source: [],
  };
}
