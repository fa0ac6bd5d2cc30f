// The filter gradient of a depthwise conv2d:
//   dW[ky,kx,c,m] = sum over n,oy,ox of x[n, oy*s+ky*d-top, ox*s+kx*d-left, c] * dy[n,oy,ox,c*M+m].
// Unlike the dense case this is no product of two matrices (every channel has its own small
// correlation), and no tfjs WASM kernel computes it cheaply: XNNPACK's depthwise conv with dy as a
// Ho x Wo filter was measured slower than a JS loop. So the loop runs here, over the WASM heap, with
// its innermost part (one row of pixels, all channels) in WASM SIMD (simd_row_accumulate.ts).
// Rows are visited in memory order with all taps per row, so each row of x and dy is read from cache
// kh*kw times instead of from memory. Sums are float32, like XNNPACK's.
import type { tf } from '../tf.js';
import type { Conv2DInfo } from './conv_attrs.js';
import { loadRowAccumulate, rowAccumulateJS } from './simd_row_accumulate.js';
import { heapF32, release, reshapeInfo, runWasmKernel, type WasmBackend } from './wasm_backend.js';

export function depthwiseFilterGradient(
  backend: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: Conv2DInfo,
  allowSimd = true,
): tf.TensorInfo {
  const { inChannels: c, outChannels: depth } = info;
  const m = depth / c;
  if (m === 1) return gradient(backend, x, dy, info, allowSimd);
  // Channel multiplier M: repeat each channel of x M times; then dy's channel c*M+m meets its x and
  // the gradient is that of a multiplier-1 conv on C*M channels, whose layout [kh, kw, C*M, 1] is [kh, kw, C, M].
  const [n, h, w] = [info.batchSize, info.inHeight, info.inWidth];
  const x5 = reshapeInfo(backend, x, [n, h, w, c, 1]);
  const tiled = runWasmKernel(backend, 'Tile', { x: x5 }, { reps: [1, 1, 1, 1, m] });
  const repeated = reshapeInfo(backend, tiled, [n, h, w, depth]);
  release(backend, x5, tiled);
  const flat = gradient(backend, repeated, dy, info, allowSimd);
  release(backend, repeated);
  const out = reshapeInfo(backend, flat, [info.filterHeight, info.filterWidth, c, m]);
  release(backend, flat);
  return out;
}

/** Multiplier-1 gradient [kh, kw, depth, 1] over `depth` channels; x has `depth` channels too. */
function gradient(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo, allowSimd: boolean): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, outChannels: depth } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;

  const out = backend.makeOutput([kh, kw, depth, 1], 'float32');
  const heap = heapF32(backend, out); // taken after the last allocation: views die when the heap grows
  heap.fill(0);
  const accumulate = (allowSimd ? loadRowAccumulate(backend.wasm.asm?.memory) : undefined) ?? rowAccumulateJS(backend.wasm.HEAPF32);
  const base = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset / 4;
  const [xBase, dyBase, outBase] = [base(x), base(dy), base(out)];

  // For each kx, the output columns whose tap lands inside x: 0 <= ox*sw + kx*dw - left < w.
  const colStart = Array.from({ length: kw }, (_, kx) => Math.max(0, Math.ceil((left - kx * dw) / sw)));
  const colEnd = Array.from({ length: kw }, (_, kx) => Math.min(wo, Math.floor((w - 1 + left - kx * dw) / sw) + 1));
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      const dyRow = dyBase + (b * ho + oy) * wo * depth;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh + ky * dh - top;
        if (iy < 0 || iy >= h) continue;
        const xRow = xBase + (b * h + iy) * w * depth;
        for (let kx = 0; kx < kw; kx++) {
          const count = colEnd[kx] - colStart[kx];
          if (count <= 0) continue;
          const ox = colStart[kx];
          accumulate(outBase + (ky * kw + kx) * depth, xRow + (ox * sw + kx * dw - left) * depth, dyRow + ox * depth, depth, count, sw * depth, depth);
        }
      }
    }
  }
  return out;
}
