// Bilinear resizing of a box of a uint8 HWC image straight into normalised float32 batch pixels, for
// random-resized-crop. The filter is PIL's (and so torchvision's default for both PIL images and, with
// antialias=True, tensors): a triangle of half-width 1 input pixel when enlarging, which is plain bilinear
// interpolation with half-pixel centres, widened to the scale factor when shrinking so that every input
// pixel counts (no aliasing). Unlike PIL we keep float precision between the two passes and do not round
// to uint8 at the end: the values go into the network as floats anyway.

/** A box of an image in pixels: rows top..top+height-1, columns left..left+width-1. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** One axis of a resize: for each output position, the first input index and the weights of its taps. */
export interface Taps {
  /** First input index per output position. */
  first: Int32Array;
  /** Taps per output position (at most `span`). */
  count: Int32Array;
  /** `span` weights per output position, summing to 1. */
  weights: Float32Array;
  span: number;
}

/** PIL's precompute_coeffs for the bilinear filter, resizing `inSize` input pixels to `outSize`. */
export function bilinearTaps(inSize: number, outSize: number): Taps {
  if (!(Number.isInteger(inSize) && inSize > 0 && Number.isInteger(outSize) && outSize > 0)) {
    throw new RangeError(`bilinear resize: sizes must be positive integers, got ${inSize} -> ${outSize}`);
  }
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = filterScale;
  const span = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * span);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    // Math.trunc as C's (int) cast in PIL: the bounds, and so the taps at the edges, match exactly.
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    let sum = 0;
    for (let k = 0; k < hi - lo; k++) {
      const w = Math.max(0, 1 - Math.abs((lo + k - centre + 0.5) / filterScale));
      weights[o * span + k] = w;
      sum += w;
    }
    if (sum > 0) for (let k = 0; k < hi - lo; k++) weights[o * span + k]! /= sum;
    first[o] = lo;
    count[o] = hi - lo;
  }
  return { first, count, weights, span };
}

/** Where the pixels come from and go to, and the per-channel affine map applied on the way (normalisation). */
export interface ResizeJob {
  /** The source image: srcHeight x srcWidth x channels bytes at `src[srcOffset ..]`. */
  src: Uint8Array;
  srcOffset: number;
  srcHeight: number;
  srcWidth: number;
  channels: number;
  box: CropBox;
  /** The output image: outHeight x outWidth x channels floats at `out[outOffset ..]`. */
  out: Float32Array;
  outOffset: number;
  outHeight: number;
  outWidth: number;
  /** Mirror the output left to right. */
  flip: boolean;
  /** out = value * scale[ch] + shift[ch] (value in 0..255). */
  scale: readonly number[];
  shift: readonly number[];
}

// The horizontal pass's output, reused across calls (JavaScript is single-threaded here): allocating
// 700 KB per image would make the garbage collector a large part of the cost.
let scratch = new Float32Array(0);

/**
 * Resize `job.box` of the source to the output size (separable: rows first, then columns), flip, normalise.
 * The normalisation is applied in the first pass: it is affine and each pass's weights sum to 1, so
 * normalising before or after resampling gives the same values.
 */
export function resizeBoxInto(job: ResizeJob): void {
  const { src, srcOffset, srcHeight, srcWidth, channels: c, box, out, outOffset, outHeight: oh, outWidth: ow, flip, scale, shift } = job;
  if (box.height <= 0 || box.width <= 0 || box.top < 0 || box.left < 0 || box.top + box.height > srcHeight || box.left + box.width > srcWidth) {
    throw new RangeError(`bilinear resize: box ${JSON.stringify(box)} is not inside the ${srcWidth}x${srcHeight} image`);
  }
  const across = bilinearTaps(box.width, ow);
  const down = bilinearTaps(box.height, oh);
  const rowFloats = ow * c;
  if (scratch.length < box.height * rowFloats) scratch = new Float32Array(box.height * rowFloats);
  const tmp = scratch;
  // Rows: each output column is a weighted sum of a few neighbouring input columns, all channels at once.
  const { first, count, weights, span } = across;
  const [s0, s1, s2] = [scale[0]!, scale[1] ?? 0, scale[2] ?? 0];
  const [h0, h1, h2] = [shift[0]!, shift[1] ?? 0, shift[2] ?? 0];
  for (let r = 0; r < box.height; r++) {
    const rowBase = srcOffset + ((box.top + r) * srcWidth + box.left) * c;
    const tmpRow = r * rowFloats;
    for (let j = 0; j < ow; j++) {
      const n = count[j]!;
      const wBase = j * span;
      const from = rowBase + first[j]! * c;
      const to = tmpRow + (flip ? ow - 1 - j : j) * c;
      if (c === 3) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        for (let k = 0, p = from; k < n; k++, p += 3) {
          const w = weights[wBase + k]!;
          a0 += src[p]! * w;
          a1 += src[p + 1]! * w;
          a2 += src[p + 2]! * w;
        }
        tmp[to] = a0 * s0 + h0;
        tmp[to + 1] = a1 * s1 + h1;
        tmp[to + 2] = a2 * s2 + h2;
      } else {
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let k = 0; k < n; k++) acc += src[from + k * c + ch]! * weights[wBase + k]!;
          tmp[to + ch] = acc * scale[ch]! + shift[ch]!;
        }
      }
    }
  }
  // Columns: each output row is a weighted sum of a few whole rows of the horizontal pass.
  for (let i = 0; i < oh; i++) {
    const n = down.count[i]!;
    const wBase = i * down.span;
    const to = outOffset + i * rowFloats;
    const firstRow = down.first[i]! * rowFloats;
    const w0 = down.weights[wBase]!;
    for (let idx = 0; idx < rowFloats; idx++) out[to + idx] = tmp[firstRow + idx]! * w0;
    for (let k = 1; k < n; k++) {
      const w = down.weights[wBase + k]!;
      if (w === 0) continue;
      const from = firstRow + k * rowFloats;
      for (let idx = 0; idx < rowFloats; idx++) out[to + idx]! += tmp[from + idx]! * w;
    }
  }
}
