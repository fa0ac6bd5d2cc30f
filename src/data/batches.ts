// Turning uint8 NHWC images into normalised float32 batches, with seeded augmentation
// (random crop from a zero-padded image, horizontal flip), as in the standard CIFAR recipe.
import type { Rng } from '../engine/random.js';
import { isStreamed, type ClassificationSplit, type TrainingData, type TrainingSplit } from './types.js';

export interface Batch {
  /** B * H * W * C floats, NHWC, normalised. */
  x: Float32Array;
  /** B labels. */
  y: Int32Array;
  size: number;
}

export interface Augment {
  /** Padding for the random crop; 0 disables cropping. */
  crop: number;
  flip: boolean;
}

/**
 * Fill one batch from an in-memory `split` at the given example indices. With `rng` and `augment`, each
 * image is shifted by a random offset in [-crop, crop] (the padded border reads as zero pixels, i.e. the
 * normalised value of 0/255) and flipped with probability 1/2.
 */
export function makeBatch(
  data: TrainingData,
  split: ClassificationSplit,
  indices: ArrayLike<number>,
  augment?: { rng: Rng; options: Augment },
): Batch {
  return fillBatch(data, split.images, indices, split.labels, indices, augment);
}

/**
 * makeBatch for a split in memory or streamed from disk: a streamed split's images are read first (one
 * batch in memory), then normalised and augmented exactly as makeBatch does, with the same draws of `rng`.
 */
export async function readBatch(
  data: TrainingData,
  split: TrainingSplit,
  indices: ArrayLike<number>,
  augment?: { rng: Rng; options: Augment },
): Promise<Batch> {
  if (!isStreamed(split)) return makeBatch(data, split, indices, augment);
  const images = await split.readImages(indices);
  const positions = Int32Array.from({ length: indices.length }, (_, b) => b);
  return fillBatch(data, images, positions, split.labels, indices, augment);
}

/** Batch item b is image `positions[b]` of `images`, labelled `labels[indices[b]]`. */
function fillBatch(
  data: TrainingData,
  images: Uint8Array,
  positions: ArrayLike<number>,
  labels: ArrayLike<number>,
  indices: ArrayLike<number>,
  augment?: { rng: Rng; options: Augment },
): Batch {
  const [h, w, c] = data.inputShape;
  const pixels = h * w * c;
  const size = indices.length;
  const x = new Float32Array(size * pixels);
  const y = new Int32Array(size);
  const scale = data.std.map((s) => 1 / (255 * s));
  const shift = data.mean.map((m, i) => -m / data.std[i]!);
  for (let b = 0; b < size; b++) {
    y[b] = labels[indices[b]!]!;
    const src = positions[b]! * pixels;
    const dst = b * pixels;
    let dy = 0;
    let dx = 0;
    let flip = false;
    if (augment) {
      const pad = augment.options.crop;
      if (pad > 0) {
        dy = augment.rng.int(2 * pad + 1) - pad;
        dx = augment.rng.int(2 * pad + 1) - pad;
      }
      flip = augment.options.flip && data.flipOk && augment.rng.next() < 0.5;
    }
    for (let row = 0; row < h; row++) {
      const sr = row + dy;
      for (let col = 0; col < w; col++) {
        const sc0 = col + dx;
        const sc = flip ? w - 1 - sc0 : sc0;
        const outBase = dst + (row * w + col) * c;
        const inside = sr >= 0 && sr < h && sc0 >= 0 && sc0 < w;
        for (let ch = 0; ch < c; ch++) {
          const v = inside ? images[src + (sr * w + sc) * c + ch]! : 0;
          x[outBase + ch] = v * scale[ch]! + shift[ch]!;
        }
      }
    }
  }
  return { x, y, size };
}

/** Consecutive index ranges of `order` of at most `batchSize` each (the last one may be smaller). */
export function* batchIndices(order: Int32Array, batchSize: number): Generator<Int32Array> {
  for (let start = 0; start < order.length; start += batchSize) yield order.subarray(start, Math.min(order.length, start + batchSize));
}
