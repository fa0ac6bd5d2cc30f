// Segmentation batches: uint8 frames to normalised float32 NHWC inputs and uint8 label maps, with mmseg's
// training augmentation applied to image and mask together (mmseg/datasets/transforms: RandomResize with
// ratio_range, RandomCrop with cat_max_ratio, RandomFlip; then SegDataPreProcessor pads to the crop size at
// the bottom and right with 0 after normalisation, i.e. the mean colour, and 255 in the label).
// Only the crop window is computed: each output pixel reads the rescaled image bilinearly (half-pixel
// centres, as cv2.INTER_LINEAR, rounded to uint8 as cv2 does on uint8 images) and the mask by nearest
// neighbour at the same centre. mmcv's cv2 INTER_NEAREST samples floor(x * scale) instead, which shifts
// masks up to half a source pixel against their images; we keep them aligned.
// Evaluation batches (no augmentation) are the whole frame, padding reading as the mean colour and 255.
// mmseg's PhotoMetricDistortion (colour jitter) is not applied.
import type { Rng } from '../engine/random.js';
import { IGNORE_INDEX } from './types.js';
import type { SegmentationAugment, SegmentationSplit } from './segmentation-types.js';

export interface SegmentationBatch {
  /** size x height x width x channels floats, NHWC, normalised. */
  x: Float32Array;
  /** size x height x width class indices, IGNORE_INDEX = not scored. */
  y: Uint8Array;
  size: number;
  height: number;
  width: number;
  channels: number;
}

export interface Normalisation {
  mean: readonly number[];
  std: readonly number[];
}

/** Sampling positions along one axis of a crop: source index for the mask, two taps and a weight for the image; -1 = padding. */
interface AxisPlan {
  nearest: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

/**
 * For output positions 0..out-1 of a crop starting at `offset` in an axis rescaled from `inSize` to
 * `scaledSize` (reversed when `flip`; positions past `scaledSize - offset` are padding).
 */
function planAxis(inSize: number, scaledSize: number, offset: number, out: number, flip: boolean): AxisPlan {
  const plan = { nearest: new Int32Array(out).fill(-1), lo: new Int32Array(out), hi: new Int32Array(out), frac: new Float32Array(out) };
  const extent = Math.min(out, scaledSize - offset);
  const scale = inSize / scaledSize;
  for (let o = 0; o < extent; o++) {
    const s = offset + (flip ? extent - 1 - o : o);
    plan.nearest[o] = Math.min(inSize - 1, Math.floor((s + 0.5) * scale));
    const real = Math.max(0, (s + 0.5) * scale - 0.5);
    const lo = Math.min(inSize - 1, Math.floor(real));
    plan.lo[o] = lo;
    plan.hi[o] = lo < inSize - 1 ? lo + 1 : lo;
    plan.frac[o] = real - lo;
  }
  return plan;
}

/** mmseg's RandomCrop.generate_crop_bbox: a uniform offset where the image is larger than the crop, else 0. */
function cropOffset(rng: Rng, scaled: number, crop: number): number {
  return rng.int(Math.max(scaled - crop, 0) + 1);
}

/** Whether no class covers `ratio` or more of the crop's labelled pixels, and more than one class is there (mmseg's test). */
function mixedEnough(masks: Uint8Array, maskBase: number, frame: number, rows: AxisPlan, cols: AxisPlan, ratio: number, counts: Int32Array): boolean {
  counts.fill(0);
  for (let y = 0; y < rows.nearest.length; y++) {
    const r = rows.nearest[y]!;
    if (r < 0) break;
    for (let x = 0; x < cols.nearest.length; x++) {
      const c = cols.nearest[x]!;
      if (c < 0) break;
      counts[masks[maskBase + r * frame + c]!]!++;
    }
  }
  counts[IGNORE_INDEX] = 0;
  let classes = 0;
  let total = 0;
  let most = 0;
  for (const n of counts) {
    if (n === 0) continue;
    classes++;
    total += n;
    if (n > most) most = n;
  }
  return classes > 1 && most / total < ratio;
}

/**
 * One batch of the images at `indices`. With `augment`, each is rescaled by a random factor, cropped to
 * `cropSize` at a random place (redrawn as mmseg's cat_max_ratio says), padded, and flipped with
 * probability 1/2, all from `augment.rng`; without, the whole frame.
 */
export function makeSegmentationBatch(
  norm: Normalisation,
  split: SegmentationSplit,
  indices: ArrayLike<number>,
  augment?: { rng: Rng; options: SegmentationAugment },
): SegmentationBatch {
  const c = split.channels;
  const frame = split.size;
  const out = augment ? augment.options.cropSize : frame;
  const size = indices.length;
  const x = new Float32Array(size * out * out * c);
  const y = new Uint8Array(size * out * out).fill(IGNORE_INDEX);
  const scale = norm.std.map((s) => 1 / (255 * s));
  const shift = norm.mean.map((m, i) => -m / norm.std[i]!);
  const counts = new Int32Array(256);
  for (let b = 0; b < size; b++) {
    const index = indices[b]!;
    const h = split.contentSizes[2 * index]!;
    const w = split.contentSizes[2 * index + 1]!;
    let rows: AxisPlan;
    let cols: AxisPlan;
    if (augment) {
      const { rng, options } = augment;
      const [lo, hi] = options.scale;
      const ratio = lo + (hi - lo) * rng.next();
      // mmcv rescale_size: int(side * scale + 0.5).
      const sh = Math.max(1, Math.floor(h * ratio + 0.5));
      const sw = Math.max(1, Math.floor(w * ratio + 0.5));
      let top = cropOffset(rng, sh, out);
      let left = cropOffset(rng, sw, out);
      if (options.catMaxRatio < 1) {
        for (let attempt = 0; attempt < 10; attempt++) {
          const r = planAxis(h, sh, top, out, false);
          const k = planAxis(w, sw, left, out, false);
          if (mixedEnough(split.masks, index * frame * frame, frame, r, k, options.catMaxRatio, counts)) break;
          top = cropOffset(rng, sh, out);
          left = cropOffset(rng, sw, out);
        }
      }
      const flip = options.flip && rng.next() < 0.5;
      rows = planAxis(h, sh, top, out, false);
      cols = planAxis(w, sw, left, out, flip);
    } else {
      rows = planAxis(h, h, 0, out, false);
      cols = planAxis(w, w, 0, out, false);
    }
    const imageBase = index * frame * frame * c;
    const maskBase = index * frame * frame;
    const outBase = b * out * out;
    for (let oy = 0; oy < out; oy++) {
      const r = rows.nearest[oy]!;
      if (r < 0) {
        // Padding rows: x stays 0 (the mean colour after normalisation), y stays IGNORE_INDEX.
        break;
      }
      const r0 = imageBase + rows.lo[oy]! * frame * c;
      const r1 = imageBase + rows.hi[oy]! * frame * c;
      const wy = rows.frac[oy]!;
      for (let ox = 0; ox < out; ox++) {
        const col = cols.nearest[ox]!;
        if (col < 0) break;
        const p = outBase + oy * out + ox;
        y[p] = split.masks[maskBase + r * frame + col]!;
        const a = r0 + cols.lo[ox]! * c;
        const bb = r0 + cols.hi[ox]! * c;
        const d = r1 + cols.lo[ox]! * c;
        const e = r1 + cols.hi[ox]! * c;
        const wx = cols.frac[ox]!;
        for (let ch = 0; ch < c; ch++) {
          const top = split.images[a + ch]! + (split.images[bb + ch]! - split.images[a + ch]!) * wx;
          const bottom = split.images[d + ch]! + (split.images[e + ch]! - split.images[d + ch]!) * wx;
          const v = Math.round(top + (bottom - top) * wy);
          x[p * c + ch] = v * scale[ch]! + shift[ch]!;
        }
      }
    }
  }
  return { x, y, size, height: out, width: out, channels: c };
}
