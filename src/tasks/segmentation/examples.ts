// Example predictions for the report: the first validation images, their ground truth and the model's
// label maps, written as PNGs into the job folder at the end of training (see src/contract/examples.ts).
// Label maps are palette PNGs in the PASCAL VOC colour map, so class c has the colour VOC's own
// SegmentationClass PNGs give it and 255 (ignore) the usual cream; the index stays the class.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { tf, type tfl } from '../../engine/tf.js';
import { makeSegmentationBatch } from '../../data/segmentation-batches.js';
import type { SegmentationSplit, SegmentationTrainingData } from '../../data/segmentation-types.js';
import type { ExamplesIndex } from '../../contract/examples.js';
import { logitsToLabels } from './logits-to-labels.js';
import { vocColourMap } from '../voc-colours.js';
import { EXAMPLE_COUNT, exampleFiles, finishExamples, startExamples } from '../examples-writer.js';

export { vocColourMap };

function labelPng(labels: ArrayLike<number>, width: number, height: number): Uint8Array {
  return encode({ width, height, data: Uint8Array.from(labels), depth: 8, channels: 1, palette: vocColourMap() });
}

/** The content region (top-left h x w) of frame image `index`: its pixels and its frame labels. */
function content(split: SegmentationSplit, index: number): { h: number; w: number; pixels: Uint8Array; labels: Uint8Array } {
  const { size: s, channels: ch } = split;
  const h = split.contentSizes[2 * index]!;
  const w = split.contentSizes[2 * index + 1]!;
  const pixels = new Uint8Array(h * w * ch);
  const labels = new Uint8Array(h * w);
  for (let r = 0; r < h; r++) {
    const row = index * s * s + r * s;
    pixels.set(split.images.subarray(row * ch, (row + w) * ch), r * w * ch);
    labels.set(split.masks.subarray(row, row + w), r * w);
  }
  return { h, w, pixels, labels };
}

/**
 * Writes the first `count` images of `split` into `<dir>/examples/`: NNN-input.png, NNN-label.png (the frame's
 * labels) and NNN-prediction.png (the argmax of the logits over the image's content), then index.json.
 */
export async function writeSegmentationExamples(
  model: tfl.LayersModel,
  data: SegmentationTrainingData,
  split: SegmentationSplit,
  dir: string,
  count = EXAMPLE_COUNT,
): Promise<ExamplesIndex> {
  const { out, index } = startExamples(dir, 'segmentation', data.classNames);
  const indices = Int32Array.from({ length: Math.min(count, split.count) }, (_, i) => i);
  if (indices.length > 0) {
    const batch = makeSegmentationBatch(data, split, indices);
    const logits = tf.tidy(() => model.apply(tf.tensor4d(batch.x, [batch.size, batch.height, batch.width, batch.channels]), { training: false }) as tf.Tensor);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    const s = split.size;
    for (const i of indices) {
      const { h, w, pixels, labels } = content(split, i);
      const view = { data: values, offset: i * s * s * data.numClasses, height: s, width: s, numClasses: data.numClasses, contentHeight: h, contentWidth: w };
      const files = exampleFiles(i);
      writeFileSync(join(out, files.input), encode({ width: w, height: h, data: pixels, depth: 8, channels: split.channels }));
      writeFileSync(join(out, files.label), labelPng(labels, w, h));
      writeFileSync(join(out, files.prediction), labelPng(logitsToLabels(view, h, w), w, h));
      index.images.push({ id: split.ids[i]!.slice(0, 200), ...files });
    }
  }
  return finishExamples(out, index);
}
