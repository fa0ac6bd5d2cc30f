// Fitting an image of any size into a fixed square frame without distorting it: resize so its longer side
// fills the frame, put it at the top-left, leave the rest as padding (zero pixels, ignore labels). The
// image resamples with the project's PIL-style antialiased bilinear filter (resize.ts), so shrinking a
// 500-pixel photo to a small frame does not alias; the mask by nearest neighbour at the same pixel
// centres (class indices must never be blended), so image and mask stay aligned.
import { resizeBoxInto } from './resize.js';
import { IGNORE_INDEX } from './types.js';

export interface Letterboxed {
  contentHeight: number;
  contentWidth: number;
}

/** mmcv's rescale_size rounding (int(x * scale + 0.5)) of the side lengths that fit the longer side to `size`. */
export function letterboxSize(height: number, width: number, size: number): { height: number; width: number } {
  const factor = size / Math.max(height, width);
  return { height: Math.max(1, Math.min(size, Math.floor(height * factor + 0.5))), width: Math.max(1, Math.min(size, Math.floor(width * factor + 0.5))) };
}

/** Nearest-neighbour resize of class indices with half-pixel centres: output (y, x) reads source floor((y + 0.5) * h / outH). */
export function resizeMaskNearest(src: Uint8Array, height: number, width: number, outHeight: number, outWidth: number): Uint8Array {
  const out = new Uint8Array(outHeight * outWidth);
  const cols = Int32Array.from({ length: outWidth }, (_, x) => Math.min(width - 1, Math.floor(((x + 0.5) * width) / outWidth)));
  for (let y = 0; y < outHeight; y++) {
    const row = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outHeight)) * width;
    for (let x = 0; x < outWidth; x++) out[y * outWidth + x] = src[row + cols[x]!]!;
  }
  return out;
}

/**
 * Write `pixels` (height x width x channels) and its `mask` into frame slot `index` of `images` / `masks`
 * (size x size each), which must hold zeros / anything: every byte of the slot is written.
 */
export function letterboxInto(
  pixels: Uint8Array,
  mask: Uint8Array,
  height: number,
  width: number,
  channels: number,
  size: number,
  images: Uint8Array,
  masks: Uint8Array,
  index: number,
): Letterboxed {
  const { height: ch, width: cw } = letterboxSize(height, width, size);
  const resized = new Float32Array(ch * cw * channels);
  resizeBoxInto({
    src: pixels,
    srcOffset: 0,
    srcHeight: height,
    srcWidth: width,
    channels,
    box: { top: 0, left: 0, height, width },
    out: resized,
    outOffset: 0,
    outHeight: ch,
    outWidth: cw,
    flip: false,
    scale: new Array(channels).fill(1),
    shift: new Array(channels).fill(0),
  });
  const labels = resizeMaskNearest(mask, height, width, ch, cw);
  const imageBase = index * size * size * channels;
  const maskBase = index * size * size;
  images.fill(0, imageBase, imageBase + size * size * channels);
  masks.fill(IGNORE_INDEX, maskBase, maskBase + size * size);
  for (let y = 0; y < ch; y++) {
    for (let i = 0; i < cw * channels; i++) images[imageBase + y * size * channels + i] = Math.min(255, Math.max(0, Math.round(resized[y * cw * channels + i]!)));
    masks.set(labels.subarray(y * cw, (y + 1) * cw), maskBase + y * size);
  }
  return { contentHeight: ch, contentWidth: cw };
}
