// Turning uint8 NHWC images into normalised float32 batches, with seeded augmentation: the CIFAR recipe's
// random crop from a zero-padded image, or the ImageNet recipe's random-resized-crop (augment-rrc.ts),
// each with horizontal flips.
import type { Rng } from '../engine/random.js';
import { isRandomResizedCrop, type Augment } from './augment.js';
import { randomResizedCropBox } from './augment-rrc.js';
import { roundHalfEven } from './decode.js';
import { resizeBoxInto } from './resize.js';
import { isStreamed, splitShape, type ClassificationSplit, type TrainingData, type TrainingSplit } from './types.js';

export type { Augment } from './augment.js';

export interface Batch {
  /** B * H * W * C floats, NHWC, normalised. */
  x: Float32Array;
  /** B labels. */
  y: Int32Array;
  size: number;
}

/**
 * Fill one batch from an in-memory `split` at the given example indices. With `rng` and `augment`, each
 * image is augmented as `augment.options` says: pad-crop shifts it by a random offset in [-crop, crop] (the
 * padded border reads as zero pixels, i.e. the normalised value of 0/255), random-resized-crop resizes a
 * random box of it to the input size; both then flip with probability 1/2. A split stored larger than the
 * input (kept at its source size for random-resized-crop) is otherwise read through its centre.
 */
export function makeBatch(
  data: TrainingData,
  split: ClassificationSplit,
  indices: ArrayLike<number>,
  augment?: { rng: Rng; options: Augment },
): Batch {
  return fillBatch(data, splitShape(data, split), split.images, indices, split.labels, indices, augment);
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
  return fillBatch(data, splitShape(data, split), images, positions, split.labels, indices, augment);
}

/** Batch item b is image `positions[b]` of `images` (each of `shape`), labelled `labels[indices[b]]`. */
function fillBatch(
  data: TrainingData,
  shape: readonly [number, number, number],
  images: Uint8Array,
  positions: ArrayLike<number>,
  labels: ArrayLike<number>,
  indices: ArrayLike<number>,
  augment?: { rng: Rng; options: Augment },
): Batch {
  const [h, w, c] = data.inputShape;
  const [sh, sw, sc] = shape;
  if (sc !== c) throw new Error(`${data.dataset}: stored images have ${sc} channels, the input ${c}`);
  const pixels = h * w * c;
  const srcPixels = sh * sw * c;
  const size = indices.length;
  const x = new Float32Array(size * pixels);
  const y = new Int32Array(size);
  const scale = data.std.map((s) => 1 / (255 * s));
  const shift = data.mean.map((m, i) => -m / data.std[i]!);
  const options = augment?.options;
  if (!isRandomResizedCrop(options) && (sh < h || sw < w)) {
    throw new Error(`${data.dataset}: stored images are ${sw}x${sh}, smaller than the ${w}x${h} input (only random-resized-crop can enlarge them)`);
  }
  // Without random-resized-crop a larger stored image is read through its centre input-sized window
  // (torchvision's CenterCrop offsets), so evaluation-style reads of a source-size split still work.
  const top = roundHalfEven((sh - h) / 2);
  const left = roundHalfEven((sw - w) / 2);
  for (let b = 0; b < size; b++) {
    y[b] = labels[indices[b]!]!;
    const src = positions[b]! * srcPixels;
    const dst = b * pixels;
    if (augment && isRandomResizedCrop(options)) {
      const box = randomResizedCropBox(augment.rng, sh, sw, options.scale, options.ratio);
      const flip = options.flip && data.flipOk && augment.rng.next() < 0.5;
      resizeBoxInto({ src: images, srcOffset: src, srcHeight: sh, srcWidth: sw, channels: c, box, out: x, outOffset: dst, outHeight: h, outWidth: w, flip, scale, shift });
      continue;
    }
    let dy = 0;
    let dx = 0;
    let flip = false;
    if (augment && options && !isRandomResizedCrop(options)) {
      const pad = options.crop;
      if (pad > 0) {
        dy = augment.rng.int(2 * pad + 1) - pad;
        dx = augment.rng.int(2 * pad + 1) - pad;
      }
      flip = options.flip && data.flipOk && augment.rng.next() < 0.5;
    }
    for (let row = 0; row < h; row++) {
      const sr = row + dy;
      for (let col = 0; col < w; col++) {
        const sc0 = col + dx;
        const scol = flip ? w - 1 - sc0 : sc0;
        const outBase = dst + (row * w + col) * c;
        const inside = sr >= 0 && sr < h && sc0 >= 0 && sc0 < w;
        const from = src + ((top + sr) * sw + left + scol) * c;
        for (let ch = 0; ch < c; ch++) {
          const v = inside ? images[from + ch]! : 0;
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
