// Seeded augmentation for detection and segmentation: horizontal flip and scale jitter (resize by a random
// factor, then a random crop or zero-padding back to a fixed output size) applied to the image, its boxes
// and its masks together, so they stay consistent. Pixels resample bilinearly, masks by nearest neighbour
// (class indices must never be blended); padded class-mask pixels are IGNORE_INDEX, padded instance-mask
// pixels are 0 (no object there).
import type { Rng } from '../engine/random.js';
import { IGNORE_INDEX } from './types.js';

export interface Scene {
  width: number;
  height: number;
  channels: number;
  /** height * width * channels, HWC. */
  pixels: Uint8Array;
  /** [x, y, w, h] per object. */
  boxes: Float32Array;
  classes: Int32Array;
  flags: Uint8Array;
  /** height * width class indices, if the scene has one. */
  mask?: Uint8Array;
  /**
   * objects * height * width bytes, 1 inside object k, for sources whose objects may overlap (COCO), where
   * one class mask cannot say which object a pixel belongs to. Object k's mask goes with boxes[4k..].
   */
  instanceMasks?: Uint8Array;
}

export interface SceneAugment {
  flip: boolean;
  /** Scale factor drawn uniformly from [min, max]; [1, 1] disables jitter. */
  scale: [number, number];
  /** Output width and height (the crop / pad target). */
  outWidth: number;
  outHeight: number;
  /** Boxes left with less than this width or height after cropping are dropped. */
  minBoxSide: number;
}

export function flipScene(s: Scene): Scene {
  const { width: w, height: h, channels: c } = s;
  const pixels = new Uint8Array(s.pixels.length);
  const mask = s.mask ? new Uint8Array(s.mask.length) : undefined;
  const instanceMasks = s.instanceMasks ? new Uint8Array(s.instanceMasks.length) : undefined;
  const objects = s.instanceMasks ? s.classes.length : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = y * w + (w - 1 - x);
      const to = y * w + x;
      for (let ch = 0; ch < c; ch++) pixels[to * c + ch] = s.pixels[from * c + ch]!;
      if (mask) mask[to] = s.mask![from]!;
      for (let k = 0; k < objects; k++) instanceMasks![k * w * h + to] = s.instanceMasks![k * w * h + from]!;
    }
  }
  const boxes = Float32Array.from(s.boxes);
  for (let i = 0; i < boxes.length; i += 4) boxes[i] = w - boxes[i]! - boxes[i + 2]!;
  return { ...s, pixels, boxes, ...(mask ? { mask } : {}), ...(instanceMasks ? { instanceMasks } : {}) };
}

/** Resize to newW x newH: bilinear with half-pixel centres for pixels, nearest for the mask. */
export function resizeScene(s: Scene, newW: number, newH: number): Scene {
  const { width: w, height: h, channels: c } = s;
  const sx = w / newW;
  const sy = h / newH;
  const pixels = new Uint8Array(newW * newH * c);
  const mask = s.mask ? new Uint8Array(newW * newH) : undefined;
  const instanceMasks = s.instanceMasks ? new Uint8Array(s.classes.length * newW * newH) : undefined;
  const objects = s.instanceMasks ? s.classes.length : 0;
  for (let y = 0; y < newH; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    const ny = Math.min(h - 1, Math.floor((y + 0.5) * sy));
    for (let x = 0; x < newW; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      for (let ch = 0; ch < c; ch++) {
        const a = s.pixels[(y0 * w + x0) * c + ch]!;
        const b = s.pixels[(y0 * w + x1) * c + ch]!;
        const d = s.pixels[(y1 * w + x0) * c + ch]!;
        const e = s.pixels[(y1 * w + x1) * c + ch]!;
        pixels[(y * newW + x) * c + ch] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
      const nearest = ny * w + Math.min(w - 1, Math.floor((x + 0.5) * sx));
      if (mask) mask[y * newW + x] = s.mask![nearest]!;
      for (let k = 0; k < objects; k++) instanceMasks![k * newW * newH + y * newW + x] = s.instanceMasks![k * w * h + nearest]!;
    }
  }
  const boxes = Float32Array.from(s.boxes, (v, i) => v * (i % 2 === 0 ? newW / w : newH / h));
  return { ...s, width: newW, height: newH, pixels, boxes, ...(mask ? { mask } : {}), ...(instanceMasks ? { instanceMasks } : {}) };
}

/** Place the window [left, left + outW) x [top, top + outH) of the scene (negative or oversize = zero padding). */
export function cropScene(s: Scene, left: number, top: number, outW: number, outH: number, minBoxSide: number): Scene {
  const c = s.channels;
  const pixels = new Uint8Array(outW * outH * c);
  const mask = s.mask ? new Uint8Array(outW * outH).fill(IGNORE_INDEX) : undefined;
  for (let y = 0; y < outH; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= s.height) continue;
    for (let x = 0; x < outW; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= s.width) continue;
      for (let ch = 0; ch < c; ch++) pixels[(y * outW + x) * c + ch] = s.pixels[(sy * s.width + sx) * c + ch]!;
      if (mask) mask[y * outW + x] = s.mask![sy * s.width + sx]!;
    }
  }
  const boxes: number[] = [];
  const classes: number[] = [];
  const flags: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < s.classes.length; i++) {
    const x0 = Math.max(0, s.boxes[i * 4]! - left);
    const y0 = Math.max(0, s.boxes[i * 4 + 1]! - top);
    const x1 = Math.min(outW, s.boxes[i * 4]! + s.boxes[i * 4 + 2]! - left);
    const y1 = Math.min(outH, s.boxes[i * 4 + 1]! + s.boxes[i * 4 + 3]! - top);
    if (x1 - x0 < minBoxSide || y1 - y0 < minBoxSide) continue;
    boxes.push(x0, y0, x1 - x0, y1 - y0);
    classes.push(s.classes[i]!);
    flags.push(s.flags[i]!);
    kept.push(i);
  }
  const instanceMasks = s.instanceMasks ? cropInstanceMasks(s, kept, left, top, outW, outH) : undefined;
  return {
    width: outW,
    height: outH,
    channels: c,
    pixels,
    boxes: Float32Array.from(boxes),
    classes: Int32Array.from(classes),
    flags: Uint8Array.from(flags),
    ...(mask ? { mask } : {}),
    ...(instanceMasks ? { instanceMasks } : {}),
  };
}

/** The window of the kept objects' instance masks (the objects whose boxes survived the crop), 0 outside the scene. */
function cropInstanceMasks(s: Scene, kept: readonly number[], left: number, top: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(kept.length * outW * outH);
  const y0 = Math.max(0, -top);
  const y1 = Math.min(outH, s.height - top);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(outW, s.width - left);
  kept.forEach((k, j) => {
    for (let y = y0; y < y1; y++) {
      const from = k * s.width * s.height + (y + top) * s.width + left;
      out.set(s.instanceMasks!.subarray(from + x0, from + x1), j * outW * outH + y * outW + x0);
    }
  });
  return out;
}

/** Flip with probability 1/2, rescale by a random factor, then crop or pad to the output size at a random offset. */
export function augmentScene(s: Scene, rng: Rng, options: SceneAugment): Scene {
  let out = options.flip && rng.next() < 0.5 ? flipScene(s) : s;
  const [lo, hi] = options.scale;
  const factor = lo + (hi - lo) * rng.next();
  const newW = Math.max(1, Math.round(s.width * factor));
  const newH = Math.max(1, Math.round(s.height * factor));
  if (newW !== s.width || newH !== s.height) out = resizeScene(out, newW, newH);
  // Bigger than the output: a random window inside; smaller: the image at a random place in the padding.
  const left = newW >= options.outWidth ? rng.int(newW - options.outWidth + 1) : -rng.int(options.outWidth - newW + 1);
  const top = newH >= options.outHeight ? rng.int(newH - options.outHeight + 1) : -rng.int(options.outHeight - newH + 1);
  return cropScene(out, left, top, options.outWidth, options.outHeight, options.minBoxSide);
}
