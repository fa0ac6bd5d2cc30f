// The filter gradient of a conv2d with any filter size, as one XNNPACK forward convolution.
//
// dW[ky,kx,ci,co] = sum over n,oy,ox of x[n, oy*s+ky*d-top, ox*s+kx*d-left, ci] * dy[n,oy,ox,co] is
// itself a convolution once the roles are swapped: take the input channels as the batch, the batch as
// the channels to reduce over, and dy as the filter. With x' = x as [Ci, H, W, N] and dy' = dy as
// [Ho, Wo, N, Co], dW (as [Ci, kh, kw, Co]) = conv2d(x', dy', strides = d, dilations = s). The WASM
// backend runs that forward convolution in XNNPACK (SIMD, no im2col buffer), which made this 2-4x
// faster than composing im2col from StridedSlice + Concat + BatchMatMul (measured on the shapes of
// bench/conv-backprop.ts). The batch is processed in chunks small enough for dy's packed copy to stay
// in cache, with the partial gradients summed.
import type { tf } from '../tf.js';
import type { Conv2DInfo } from './conv_attrs.js';
import {
  addInto,
  copyRange,
  heapF32,
  release,
  reshapeInfo,
  runWasmKernel,
  sizeOf,
  transposeInfo,
  type WasmBackend,
} from './wasm_backend.js';

/** Bytes of dy per chunk: the packed "filter" XNNPACK builds from it should fit in a core's L2. */
const CHUNK_TARGET_BYTES = 512 * 1024;
/** Cap on chunks: each one costs an operator set-up and an add over the (possibly large) gradient. */
const MAX_CHUNKS = 16;

/** How many images per chunk. */
function chunkSize(info: Conv2DInfo): number {
  const n = info.batchSize;
  const dyBytesPerImage = info.outHeight * info.outWidth * info.outChannels * 4;
  const byCache = Math.floor(CHUNK_TARGET_BYTES / Math.max(1, dyBytesPerImage));
  return Math.min(n, Math.max(1, byCache, Math.ceil(n / MAX_CHUNKS)));
}

/** dW [kh, kw, Ci, Co] from x and dy (in info.dataFormat), `chunk` images at a time. */
export function filterGradient(
  backend: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: Conv2DInfo,
  chunk = chunkSize(info),
): tf.TensorInfo {
  const n = info.batchSize;
  const xPerImage = sizeOf(x.shape) / n;
  const dyPerImage = sizeOf(dy.shape) / n;
  let total: tf.TensorInfo | undefined;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    // Images are contiguous in both layouts, so a chunk is one memcpy (skipped for a single chunk).
    const whole = count === n;
    const xs = whole ? x : copyRange(backend, x, start * xPerImage, [count, ...x.shape.slice(1)]);
    const dys = whole ? dy : copyRange(backend, dy, start * dyPerImage, [count, ...dy.shape.slice(1)]);
    const part = chunkGradient(backend, xs, dys, info, count);
    if (!whole) release(backend, xs, dys);
    total = addInto(backend, total, part);
  }
  // n === 0 cannot reach here: computeConv2DInfo and the shapes give at least one image.
  const swapped = total!;
  const out = toFilterLayout(backend, swapped, info);
  release(backend, swapped);
  return out;
}

/** The gradient of one chunk of `count` images, as [Ci, kh', kw', Co] with kh' >= kh, kw' >= kw. */
function chunkGradient(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo, count: number): tf.TensorInfo {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const channelsLast = info.dataFormat === 'channelsLast';
  // Transposes of merged axes: the fewer the dimensions, the faster the WASM transpose.
  const x3 = reshapeInfo(backend, x, channelsLast ? [count, h * w, ci] : [count, ci * h * w]);
  const xT = transposeInfo(backend, x3, channelsLast ? [2, 1, 0] : [1, 0]);
  const xSwapped = reshapeInfo(backend, xT, [ci, h, w, count]);
  release(backend, x3, xT);
  const dy3 = reshapeInfo(backend, dy, channelsLast ? [count, ho * wo, co] : [count, co, ho * wo]);
  const dyT = transposeInfo(backend, dy3, channelsLast ? [1, 0, 2] : [2, 0, 1]);
  const dySwapped = reshapeInfo(backend, dyT, [ho, wo, count, co]);
  release(backend, dy3, dyT);

  const { top, left } = info.padInfo;
  // Enough zero padding after the input for kh x kw outputs; any extra output rows are cropped.
  const bottom = Math.max(0, (info.filterHeight - 1) * info.dilationHeight + (ho - 1) * info.strideHeight + 1 - h - top);
  const right = Math.max(0, (info.filterWidth - 1) * info.dilationWidth + (wo - 1) * info.strideWidth + 1 - w - left);
  const grad = runWasmKernel(
    backend,
    'Conv2D',
    { x: xSwapped, filter: dySwapped },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  );
  release(backend, xSwapped, dySwapped);
  return grad;
}

/** [Ci, kh', kw', Co] -> the filter layout [kh, kw, Ci, Co], dropping rows/columns beyond kh, kw. */
function toFilterLayout(backend: WasmBackend, grad: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const [ci, gh, gw, co] = grad.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw } = info;
  if (gh === kh && gw === kw) return transposeInfo(backend, grad, [1, 2, 0, 3]);
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  const src = heapF32(backend, grad);
  const dst = heapF32(backend, out);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let c = 0; c < ci; c++) {
        const from = ((c * gh + ky) * gw + kx) * co;
        dst.set(src.subarray(from, from + co), ((ky * kw + kx) * ci + c) * co);
      }
    }
  }
  return out;
}
