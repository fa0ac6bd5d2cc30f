// The filter gradient of a 1x1 conv2d as matrix products.
import type { tf } from '../tf.js';
import type { Conv2DInfo } from './conv_attrs.js';
import { addInto, copyRange, release, reshapeInfo, runWasmKernel, transposeInfo, type WasmBackend } from './wasm_backend.js';

/** Bytes of x and dy rows per chunk (measured best between 256 KB and 1 MB). */
const CHUNK_BYTES = 512 * 1024;
const MIN_CHUNK = 256;

/**
 * 1x1 filters: dW [Ci, Co] = xs^T dy, with xs [N*Ho*Wo, Ci] the pixels of x that the conv reads (x
 * itself for stride 1 without padding): BatchMatMuls on their fast path (XNNPACK, no transposed
 * operands), over chunks of pixels small enough to stay in cache, summed. Measured 1.5-4x faster than
 * the conv formulation, which transposes all of x, and than one unchunked product.
 */
export function pointwiseFilterGradient(
  backend: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: Conv2DInfo,
  chunk = Math.max(MIN_CHUNK, Math.floor(CHUNK_BYTES / 4 / (info.inChannels + info.outChannels))),
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const pixels = n * ho * wo;
  const { top, left } = info.padInfo;
  const readsAllOfX = ho === h && wo === w && top === 0 && left === 0 && info.strideHeight === 1 && info.strideWidth === 1;
  const xs = readsAllOfX ? reshapeInfo(backend, x, [pixels, ci]) : gatherPixels(backend, x, info);
  let total: tf.TensorInfo | undefined;
  for (let start = 0; start < pixels; start += chunk) {
    const count = Math.min(chunk, pixels - start);
    const xChunk = copyRange(backend, xs, start * ci, [count, ci]);
    const xChunkT = transposeInfo(backend, xChunk, [1, 0]);
    const a = reshapeInfo(backend, xChunkT, [1, ci, count]);
    // A copy of dy's rows also keeps XNNPACK, which caches a packed copy of the right operand until
    // that tensor is freed, from holding on to dy itself.
    const b = copyRange(backend, dy, start * co, [1, count, co]);
    const part = runWasmKernel(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    release(backend, xChunk, xChunkT, a, b);
    total = addInto(backend, total, part);
  }
  release(backend, xs);
  const out = reshapeInfo(backend, total!, [1, 1, ci, co]);
  release(backend, total!);
  return out;
}

/** x[b, oy*s - top, ox*s - left, :] for every output pixel, as [N*Ho*Wo, Ci] (0 where outside x). */
function gatherPixels(backend: WasmBackend, x: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const out = backend.makeOutput([n * ho * wo, ci], 'float32');
  const heap = backend.wasm.HEAPF32;
  const src = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  let dst = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      const iy = oy * info.strideHeight - info.padInfo.top;
      for (let ox = 0; ox < wo; ox++, dst += ci) {
        const ix = ox * info.strideWidth - info.padInfo.left;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
          heap.fill(0, dst, dst + ci);
        } else {
          const from = src + ((b * h + iy) * w + ix) * ci;
          heap.copyWithin(dst, from, from + ci);
        }
      }
    }
  }
  return out;
}
