// Fused Swish, smooth ASH (paper Eq. 10), training-mode batch norm and max pooling, forward and backward: one or two
// passes over memory each, where tfjs composes 6-25 kernels. One source, two builds:
//  - native (scripts/build-native.sh, GCC): linked into the addon, with target_clones for AVX-512, AVX2
//    and baseline x86-64 chosen at load time, so an addon built on one machine runs on another;
//  - WebAssembly (scripts/build-wasm-kernels.sh, clang wasm32 + SIMD128): native/wasm/fused.wasm, which
//    imports the tfjs WASM backend's own memory, for when the addon is not built.
// Either way the pointers are into the tfjs WASM heap, so tensors are worked on in place.
//
// Rules that keep the WebAssembly build safe inside memory it does not own: no libc, no globals, no data
// segment, nothing on the shadow stack (only scalars and the caller's buffers); per-channel accumulators
// live in a scratch buffer the caller provides. test/engine/wasm-fused-module.test.ts checks the module
// has no data section and never touches the stack pointer, and that rebuilding gives the committed bytes.
// Sizes are int32 (every tensor lives in the WASM heap, which holds fewer than 2^30 floats); loop
// indices are pointer-sized, which spares the native build a sign extension per access.
//
// Compiled with -ffinite-math-only (4-5x faster sigmoid loops: the clamps become min/max); a NaN input
// still gives a NaN output, since every output is a product with x or dy (tested).
#include "fused_kernels.h"

#if defined(__wasm__)
#define EXPORT(name) __attribute__((export_name(#name)))
#elif defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EXPORT(name) __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define EXPORT(name)
#endif

#if defined(__clang__)
#define VECTORIZE_LOOP _Pragma("clang loop vectorize(enable)")
#else
#define VECTORIZE_LOOP
#endif

static inline float expApprox(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float sigmoid(float t) { return 1.0f / (1.0f + expApprox(-t)); }

// Sums run in float32 over chunks of CHUNK elements (so loops vectorize 4 wide: a float64 accumulator
// halves the width of the whole loop, sigmoid included) and the chunk sums are added in float64.
#define CHUNK 512
static inline intptr_t chunkEnd(intptr_t start, intptr_t n) { return n - start < CHUNK ? n : start + CHUNK; }

EXPORT(swish_forward) void swishForward(const float* x, float* y, int32_t count, float beta) {
  for (intptr_t i = 0; i < count; i++) y[i] = x[i] * sigmoid(beta * x[i]);
}

EXPORT(swish_backward) void swishBackward(const float* dy, const float* x, float* dx, int32_t count, float beta) {
  for (intptr_t i = 0; i < count; i++) {
    const float s = sigmoid(beta * x[i]);
    dx[i] = dy[i] * (s + beta * x[i] * s * (1.0f - s));
  }
}

// x [B, N, C], groups (b, c); stats: [B, C] means then [B, C] stds; scratch: 2C doubles.
EXPORT(ash_forward)
void ashForward(const float* x, float* y, float* stats, int32_t batch, int32_t n, int32_t channels, float z, float alpha, float epsilon,
                double* scratch) {
  double* sum = scratch;
  double* sumSq = scratch + channels;
  float* means = stats;
  float* stds = stats + batch * channels;
  const float twoAlpha = 2.0f * alpha;
  for (intptr_t b = 0; b < batch; b++) {
    const float* xb = x + (int64_t)b * n * channels;
    float* yb = y + (int64_t)b * n * channels;
    if (channels == 1) {
      // One pass for both moments, on values shifted by the first one: var = E[(x-k)^2] - E[x-k]^2 is
      // exact in exact arithmetic for any k, and with k a sample value it does not cancel catastrophically
      // the way E[x^2] - E[x]^2 does when the mean is far from zero.
      const float shift = xb[0];
      double total = 0.0, squares = 0.0;
      for (intptr_t i0 = 0; i0 < n; i0 += CHUNK) {
        float part = 0.0f, partSq = 0.0f;
        for (intptr_t i = i0, end = chunkEnd(i0, n); i < end; i++) {
          const float d = xb[i] - shift;
          part += d;
          partSq += d * d;
        }
        total += part;
        squares += partSq;
      }
      const double shiftedMean = total / n;
      const float mean = (float)(shift + shiftedMean);
      double variance = squares / n - shiftedMean * shiftedMean;
      variance = variance > 0.0 ? variance : 0.0;
      const float s = (float)__builtin_sqrt(variance + epsilon);
      means[b] = mean;
      stds[b] = s;
      const float t = mean + z * s;
      for (intptr_t i = 0; i < n; i++) yb[i] = xb[i] * sigmoid(twoAlpha * (xb[i] - t));
      continue;
    }
    for (intptr_t c = 0; c < channels; c++) sum[c] = sumSq[c] = 0.0;
    for (intptr_t i = 0; i < n; i++)
      for (intptr_t c = 0; c < channels; c++) sum[c] += xb[i * channels + c];
    for (intptr_t c = 0; c < channels; c++) means[b * channels + c] = (float)(sum[c] / n);
    for (intptr_t i = 0; i < n; i++)
      for (intptr_t c = 0; c < channels; c++) {
        const float d = xb[i * channels + c] - means[b * channels + c];
        sumSq[c] += (double)d * d;
      }
    for (intptr_t c = 0; c < channels; c++) {
      const float s = (float)__builtin_sqrt(sumSq[c] / n + epsilon);
      stds[b * channels + c] = s;
      // The threshold m + z s, kept in the (now free) sum slot.
      sum[c] = means[b * channels + c] + z * s;
    }
    for (intptr_t i = 0; i < n; i++)
      for (intptr_t c = 0; c < channels; c++) {
        const float v = xb[i * channels + c];
        yb[i * channels + c] = v * sigmoid(twoAlpha * (v - (float)sum[c]));
      }
  }
}

// The backward pass of src/activations/ash-math.ts (ashBackward), fused: with g the gate,
// c = x - m - z s, A = dy g, xh = x A (1 - g), W = sum(xh) per group:
//   dx = A + 2a xh - p c - q,  p = 2a z W / (n s),  q = 2a W / n + p z s  (p = q = 0 with stopStats)
//   dz = -2a sum(s W),  dalpha = 2 sum(c xh)
// Pass 1 writes A + 2a xh into dx and accumulates W and sum(c xh); pass 2 subtracts p c + q.
// scratch: 3C doubles; out: [dz, dalpha].
EXPORT(ash_backward)
void ashBackward(const float* dy, const float* x, const float* stats, float* dx, int32_t batch, int32_t n, int32_t channels, float z,
                 float alpha, int32_t stopStats, double* scratch, double* out) {
  const float* means = stats;
  const float* stds = stats + batch * channels;
  const float twoAlpha = 2.0f * alpha;
  double* w = scratch;
  double* cxh = scratch + channels;
  double* threshold = scratch + 2 * channels;
  double totalDz = 0.0, totalDAlpha = 0.0;
  for (intptr_t b = 0; b < batch; b++) {
    const int64_t offset = (int64_t)b * n * channels;
    const float* xb = x + offset;
    const float* dyb = dy + offset;
    float* dxb = dx + offset;
    for (intptr_t c = 0; c < channels; c++) {
      threshold[c] = means[b * channels + c] + z * stds[b * channels + c];
      w[c] = cxh[c] = 0.0;
    }
    if (channels == 1) {
      const float t = (float)threshold[0];
      double wSum = 0.0, cxhSum = 0.0;
      for (intptr_t k0 = 0; k0 < n; k0 += CHUNK) {
        float wPart = 0.0f, cxhPart = 0.0f;
        for (intptr_t k = k0, end = chunkEnd(k0, n); k < end; k++) {
          const float centred = xb[k] - t;
          const float g = sigmoid(twoAlpha * centred);
          const float a = dyb[k] * g;
          const float xh = xb[k] * (a - a * g);
          wPart += xh;
          cxhPart += centred * xh;
          dxb[k] = a + twoAlpha * xh;
        }
        wSum += wPart;
        cxhSum += cxhPart;
      }
      w[0] = wSum;
      cxh[0] = cxhSum;
    } else {
      for (intptr_t i = 0; i < n; i++)
        for (intptr_t c = 0; c < channels; c++) {
          const intptr_t k = i * channels + c;
          const float centred = xb[k] - (float)threshold[c];
          const float g = sigmoid(twoAlpha * centred);
          const float a = dyb[k] * g;
          const float xh = xb[k] * (a - a * g);
          w[c] += xh;
          cxh[c] += centred * xh;
          dxb[k] = a + twoAlpha * xh;
        }
    }
    for (intptr_t c = 0; c < channels; c++) {
      const float s = stds[b * channels + c];
      totalDz += s * w[c];
      totalDAlpha += cxh[c];
    }
    if (stopStats) continue;
    for (intptr_t c = 0; c < channels; c++) {
      const float s = stds[b * channels + c];
      const float wc = (float)w[c];
      const float p = twoAlpha * z * wc / ((float)n * s);
      // p and q per channel: w is no longer needed, so p goes there and q into cxh.
      w[c] = p;
      cxh[c] = twoAlpha * wc / (float)n + p * z * s;
    }
    if (channels == 1) {
      const float p = (float)w[0], q = (float)cxh[0], t = (float)threshold[0];
      for (intptr_t k = 0; k < n; k++) dxb[k] -= p * (xb[k] - t) + q;
      continue;
    }
    for (intptr_t i = 0; i < n; i++)
      for (intptr_t c = 0; c < channels; c++) {
        const intptr_t k = i * channels + c;
        dxb[k] -= (float)w[c] * (xb[k] - (float)threshold[c]) + (float)cxh[c];
      }
  }
  out[0] = -2.0 * alpha * totalDz;
  out[1] = 2.0 * totalDAlpha;
}

// Batch norm over the rows of x [M, C]. stats: [mean; variance; invStd], each [C]; scratch: 3C doubles.
EXPORT(batch_norm_forward)
void batchNormForward(const float* x, const float* gamma, const float* beta, float* y, float* stats, int32_t rows, int32_t channels,
                      float epsilon, double* scratch) {
  double* acc = scratch;
  double* scale = scratch + channels;
  double* shift = scratch + 2 * channels;
  float* mean = stats;
  for (intptr_t c = 0; c < channels; c++) acc[c] = 0.0;
  for (intptr_t r = 0; r < rows; r++)
    for (intptr_t c = 0; c < channels; c++) acc[c] += x[r * channels + c];
  for (intptr_t c = 0; c < channels; c++) {
    mean[c] = (float)(acc[c] / rows);
    acc[c] = 0.0;
  }
  for (intptr_t r = 0; r < rows; r++)
    for (intptr_t c = 0; c < channels; c++) {
      const float d = x[r * channels + c] - mean[c];
      acc[c] += (double)d * d;
    }
  for (intptr_t c = 0; c < channels; c++) {
    const float variance = (float)(acc[c] / rows);
    const float invStd = 1.0f / __builtin_sqrtf(variance + epsilon);
    stats[channels + c] = variance;
    stats[2 * channels + c] = invStd;
    const float s = invStd * gamma[c];
    scale[c] = s;
    shift[c] = beta[c] - mean[c] * s;
  }
  for (intptr_t r = 0; r < rows; r++)
    for (intptr_t c = 0; c < channels; c++) y[r * channels + c] = x[r * channels + c] * (float)scale[c] + (float)shift[c];
}

// Its gradient, xhat recomputed from x and the statistics. scratch: 5C doubles.
EXPORT(batch_norm_backward)
void batchNormBackward(const float* dy, const float* x, const float* stats, const float* gamma, float* dx, float* dGamma, float* dBeta,
                       int32_t rows, int32_t channels, double* scratch) {
  const float* mean = stats;
  const float* invStd = stats + 2 * channels;
  double* sumDy = scratch;
  double* sumDyXhat = scratch + channels;
  double* m = scratch + 2 * channels;
  double* a = scratch + 3 * channels;
  double* b = scratch + 4 * channels;
  for (intptr_t c = 0; c < channels; c++) sumDy[c] = sumDyXhat[c] = 0.0;
  for (intptr_t r = 0; r < rows; r++)
    for (intptr_t c = 0; c < channels; c++) {
      const int32_t k = r * channels + c;
      const float xhat = (x[k] - mean[c]) * invStd[c];
      sumDy[c] += dy[k];
      sumDyXhat[c] += dy[k] * xhat;
    }
  for (intptr_t c = 0; c < channels; c++) {
    dBeta[c] = (float)sumDy[c];
    dGamma[c] = (float)sumDyXhat[c];
    const float k = gamma[c] * invStd[c];
    const float meanDy = (float)(sumDy[c] / rows);
    const float meanDyXhat = (float)(sumDyXhat[c] / rows);
    m[c] = k;
    a[c] = -k * meanDyXhat * invStd[c];
    b[c] = -k * meanDy + k * meanDyXhat * invStd[c] * mean[c];
  }
  for (intptr_t r = 0; r < rows; r++)
    for (intptr_t c = 0; c < channels; c++) {
      const int32_t k = r * channels + c;
      dx[k] = dy[k] * (float)m[c] + x[k] * (float)a[c] + (float)b[c];
    }
}

// Max pooling of x [N, H, W, C] (NHWC) with a kernelHeight x kernelWidth window, strides and the top/left
// padding of TF's rules (computed by the caller, src/engine/kernels/pool_geometry.ts). Padding is never
// read and so never chosen: each window is the part of it inside x. Every window has at least one element
// under TF's 'same' and 'valid' rules; one that had none would give -inf and argmax -1 (skipped backward).
//
// The argmax (flat index into x) is written forward rather than recomputed backward: it costs one int32
// store per output (1/4 of x's size at stride 2), where recomputing would read every window of x again
// (k^2/s^2 = 1-2.25x x's size at the zoo's pools) and redo the comparisons; backward is then one pass over
// dy and a zeroing of dx. Ties go to the first element in raster order of the window offsets (a, b), as
// the composed pool's chain of maximums does (tfjs's Maximum gradient favours its first operand on ties),
// and TF's MaxPoolGrad: strict '>' while scanning rows then columns.
EXPORT(max_pool_forward)
void maxPoolForward(const float* __restrict x, float* __restrict y, int32_t* __restrict argmax, int32_t batch, int32_t height, int32_t width,
                    int32_t channels, int32_t outHeight, int32_t outWidth, int32_t kernelHeight, int32_t kernelWidth, int32_t strideHeight,
                    int32_t strideWidth, int32_t padTop, int32_t padLeft) {
  const uint32_t negativeInfinityBits = 0xff800000u;  // not the -INFINITY literal: -ffinite-math-only
  float negativeInfinity;
  __builtin_memcpy(&negativeInfinity, &negativeInfinityBits, sizeof negativeInfinity);
  for (intptr_t b = 0; b < batch; b++)
    for (intptr_t i = 0; i < outHeight; i++) {
      const intptr_t top = i * strideHeight - padTop;
      const intptr_t rowBegin = top < 0 ? 0 : top;
      const intptr_t rowEnd = top + kernelHeight > height ? height : top + kernelHeight;
      for (intptr_t j = 0; j < outWidth; j++) {
        const intptr_t left = j * strideWidth - padLeft;
        const intptr_t colBegin = left < 0 ? 0 : left;
        const intptr_t colEnd = left + kernelWidth > width ? width : left + kernelWidth;
        const intptr_t out = ((b * outHeight + i) * outWidth + j) * channels;
        float* __restrict yo = y + out;
        int32_t* __restrict ao = argmax + out;
        if (rowBegin >= rowEnd || colBegin >= colEnd) {
          for (intptr_t c = 0; c < channels; c++) {
            yo[c] = negativeInfinity;
            ao[c] = -1;
          }
          continue;
        }
        // The first element of the window starts the maximum; the rest replace it only when strictly larger.
        const int32_t first = (int32_t)(((b * height + rowBegin) * width + colBegin) * channels);
        for (intptr_t c = 0; c < channels; c++) {
          yo[c] = x[first + c];
          ao[c] = first + (int32_t)c;
        }
        for (intptr_t r = rowBegin; r < rowEnd; r++)
          for (intptr_t col = r == rowBegin ? colBegin + 1 : colBegin; col < colEnd; col++) {
            const int32_t base = (int32_t)(((b * height + r) * width + col) * channels);
            const float* __restrict xp = x + base;
            // clang's WebAssembly cost model rates this compare-and-select loop not worth vectorizing; it is
            // (f32x4.gt + two bitselects per 4 channels), so ask. GCC vectorizes it unasked.
            VECTORIZE_LOOP
            for (intptr_t c = 0; c < channels; c++) {
              const float v = xp[c];
              const int larger = v > yo[c];
              yo[c] = larger ? v : yo[c];
              ao[c] = larger ? base + (int32_t)c : ao[c];
            }
          }
      }
    }
}

// Its gradient: each dy goes to its window's argmax; overlapping windows (stride < kernel) add up, in
// output order. An index outside [0, inCount) is skipped, so a bad argmax cannot write outside dx.
EXPORT(max_pool_backward)
void maxPoolBackward(const float* __restrict dy, const int32_t* __restrict argmax, float* __restrict dx, int32_t outCount, int32_t inCount) {
  for (intptr_t i = 0; i < inCount; i++) dx[i] = 0.0f;
  for (intptr_t i = 0; i < outCount; i++) {
    const int32_t k = argmax[i];
    if ((uint32_t)k < (uint32_t)inCount) dx[k] += dy[i];
  }
}
