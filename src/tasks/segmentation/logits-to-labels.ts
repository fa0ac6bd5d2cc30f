// From a network's output to a label map at the size of the ground truth, as mmseg does before scoring
// (open-mmlab/mmsegmentation, mmseg/models/segmentors/base.py, BaseSegmentor.postprocess_result): cut the
// padding off the logits, resize them bilinearly to the original label size (F.interpolate, mode
// 'bilinear', align_corners=False), then argmax over classes. Resizing logits rather than the argmax keeps
// class boundaries sub-pixel accurate when the network ran at a smaller size than the label.

export interface LogitsView {
  /** H x W x C floats (NHWC, one image), at `offset` in `data`. */
  data: Float32Array;
  offset?: number;
  height: number;
  width: number;
  numClasses: number;
  /** The part holding the image, from the top-left corner; the rest is padding (default: all of it). */
  contentHeight?: number;
  contentWidth?: number;
}

/** Source coordinate, lower tap and weight of PyTorch's align_corners=False bilinear for one output index. */
function taps(outSize: number, inSize: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const scale = inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    // area_pixel_compute_source_index: (o + 0.5) * scale - 0.5, clamped at 0 (upsample_bilinear2d).
    const real = Math.max(0, (o + 0.5) * scale - 0.5);
    const l = Math.min(inSize - 1, Math.floor(real));
    lo[o] = l;
    hi[o] = l < inSize - 1 ? l + 1 : l;
    frac[o] = real - l;
  }
  return { lo, hi, frac };
}

/**
 * The argmax label of each of outHeight x outWidth pixels after resizing the content region of `view`
 * bilinearly to that size. Ties go to the lower class index, as torch.argmax.
 */
export function logitsToLabels(view: LogitsView, outHeight: number, outWidth: number): Int32Array {
  const { data, height, width, numClasses: c } = view;
  const base = view.offset ?? 0;
  const ch = view.contentHeight ?? height;
  const cw = view.contentWidth ?? width;
  if (ch < 1 || cw < 1 || ch > height || cw > width) throw new RangeError(`content ${cw}x${ch} is not inside the ${width}x${height} logits`);
  if (data.length < base + height * width * c) throw new RangeError(`logits hold ${data.length - base} values, expected ${height}x${width}x${c}`);
  const ys = taps(outHeight, ch);
  const xs = taps(outWidth, cw);
  const out = new Int32Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    const r0 = base + ys.lo[y]! * width * c;
    const r1 = base + ys.hi[y]! * width * c;
    const wy = ys.frac[y]!;
    for (let x = 0; x < outWidth; x++) {
      const a = r0 + xs.lo[x]! * c;
      const b = r0 + xs.hi[x]! * c;
      const d = r1 + xs.lo[x]! * c;
      const e = r1 + xs.hi[x]! * c;
      const wx = xs.frac[x]!;
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < c; k++) {
        // upsample_bilinear2d's form: h0lambda * (w0lambda * v00 + w1lambda * v01) + h1lambda * (...).
        const v = (1 - wy) * ((1 - wx) * data[a + k]! + wx * data[b + k]!) + wy * ((1 - wx) * data[d + k]! + wx * data[e + k]!);
        if (v > bestValue) {
          bestValue = v;
          best = k;
        }
      }
      out[y * outWidth + x] = best;
    }
  }
  return out;
}
