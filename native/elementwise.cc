// Fused element-wise kernels for the activations (see src/activations/native-activations.ts):
// Swish and smooth ASH (paper Eq. 10), forward and backward, each in one or two passes over memory
// where tfjs composes 6-20 separate kernels. Loops are written so that GCC vectorizes them, and are
// compiled for AVX-512, AVX2 and baseline x86-64 (target_clones picks one at load time), so the
// addon built on one machine runs on another.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ASH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ASH_CLONES
#endif

namespace ash {
namespace {

// exp(x) for float32, Cephes-style: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial,
// 2^n by building the exponent bits. Branch-free so that it vectorizes; relative error ~2e-7 over
// the clamped range (beyond it sigmoid is 0 or 1 in float32 anyway).
inline float expApprox(float x) {
  // Ternaries, not fmin/fmax (library calls under IEEE semantics); a NaN passes through both.
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid(float t) { return 1.0f / (1.0f + expApprox(-t)); }

// Per-sample sums run in float32 over chunks of kChunk elements, so the loops vectorize at full float
// width (a float64 accumulator halves the width of the whole loop, sigmoid included); chunk sums are
// added in float64.
constexpr int64_t kChunk = 512;
inline int64_t chunkEnd(int64_t start, int64_t n) { return n - start < kChunk ? n : start + kChunk; }

}  // namespace

ASH_CLONES void swishForward(const float* x, float* y, int64_t count, float beta) {
  for (int64_t i = 0; i < count; i++) y[i] = x[i] * sigmoid(beta * x[i]);
}

// d/dx x s(bx) = s + b x s (1 - s)
ASH_CLONES void swishBackward(const float* dy, const float* x, float* dx, int64_t count, float beta) {
  for (int64_t i = 0; i < count; i++) {
    const float s = sigmoid(beta * x[i]);
    dx[i] = dy[i] * (s + beta * x[i] * s * (1.0f - s));
  }
}

// Groups: x is [B, N, C]; each (b, c) is one group of N elements (C = 1 for per-sample statistics).
// stats: [B, C] means, then [B, C] stds (sqrt(var + eps)), float32.
ASH_CLONES void ashForward(const float* x, float* y, float* stats, int64_t batch, int64_t n, int64_t channels, float z, float alpha,
                           float epsilon) {
  std::vector<double> sum(channels), sumSq(channels);
  std::vector<float> threshold(channels);
  float* means = stats;
  float* stds = stats + batch * channels;
  const float twoAlpha = 2.0f * alpha;
  for (int64_t b = 0; b < batch; b++) {
    const float* xb = x + b * n * channels;
    float* yb = y + b * n * channels;
    if (channels == 1) {
      // Per-sample statistics: flat loops, which vectorize (the nested ones below run along channels).
      // One pass for both moments, on values shifted by the first one (exact for any shift; with a
      // sample value as the shift there is no catastrophic cancellation as in E[x^2] - E[x]^2).
      const float shift = xb[0];
      double total = 0.0, squares = 0.0;
      for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
        float part = 0.0f, partSq = 0.0f;
        for (int64_t i = i0, end = chunkEnd(i0, n); i < end; i++) {
          const float d = xb[i] - shift;
          part += d;
          partSq += d * d;
        }
        total += part;
        squares += partSq;
      }
      const double shiftedMean = total / n;
      const float mean = static_cast<float>(shift + shiftedMean);
      const double variance = std::max(0.0, squares / n - shiftedMean * shiftedMean);
      const float s = static_cast<float>(std::sqrt(variance + epsilon));
      means[b] = mean;
      stds[b] = s;
      const float t = mean + z * s;
      for (int64_t i = 0; i < n; i++) yb[i] = xb[i] * sigmoid(twoAlpha * (xb[i] - t));
      continue;
    }
    // Mean first, then squared deviations (two passes, as the tfjs path does, for float32 accuracy).
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(sumSq.begin(), sumSq.end(), 0.0);
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < channels; c++) sum[c] += xb[i * channels + c];
    for (int64_t c = 0; c < channels; c++) means[b * channels + c] = static_cast<float>(sum[c] / n);
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < channels; c++) {
        const double d = xb[i * channels + c] - means[b * channels + c];
        sumSq[c] += d * d;
      }
    for (int64_t c = 0; c < channels; c++) {
      const float s = static_cast<float>(std::sqrt(sumSq[c] / n + epsilon));
      stds[b * channels + c] = s;
      threshold[c] = means[b * channels + c] + z * s;
    }
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < channels; c++) {
        const float v = xb[i * channels + c];
        yb[i * channels + c] = v * sigmoid(twoAlpha * (v - threshold[c]));
      }
  }
}

// The backward pass of src/activations/ash-math.ts (ashBackward), fused: with g the gate,
// c = x - m - z s, A = dy g, xh = x A (1 - g), W = sum(xh) per group:
//   dx = A + 2a xh - p c - q,  p = 2a z W / (n s),  q = 2a W / n + p z s  (p = q = 0 with stopStats)
//   dz = -2a sum(s W),  dalpha = 2 sum(c xh)
// Pass 1 writes A + 2a xh into dx and accumulates W and sum(c xh); pass 2 subtracts p c + q.
ASH_CLONES void ashBackward(const float* dy, const float* x, const float* stats, float* dx, int64_t batch, int64_t n, int64_t channels,
                            float z, float alpha, bool stopStats, double* dz, double* dAlpha) {
  const float* means = stats;
  const float* stds = stats + batch * channels;
  const float twoAlpha = 2.0f * alpha;
  std::vector<double> w(channels), cxh(channels);
  std::vector<float> threshold(channels), p(channels), q(channels);
  double totalDz = 0.0, totalDAlpha = 0.0;
  for (int64_t b = 0; b < batch; b++) {
    const int64_t offset = b * n * channels;
    const float* xb = x + offset;
    const float* dyb = dy + offset;
    float* dxb = dx + offset;
    for (int64_t c = 0; c < channels; c++) threshold[c] = means[b * channels + c] + z * stds[b * channels + c];
    std::fill(w.begin(), w.end(), 0.0);
    std::fill(cxh.begin(), cxh.end(), 0.0);
    if (channels == 1) {
      // Per-sample statistics: a flat loop with scalar accumulators vectorizes.
      const float t = threshold[0];
      double wSum = 0.0, cxhSum = 0.0;
      for (int64_t k0 = 0; k0 < n; k0 += kChunk) {
        float wPart = 0.0f, cxhPart = 0.0f;
        for (int64_t k = k0, end = chunkEnd(k0, n); k < end; k++) {
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
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < channels; c++) {
        const int64_t k = i * channels + c;
        const float centred = xb[k] - threshold[c];
        const float g = sigmoid(twoAlpha * centred);
        const float a = dyb[k] * g;
        const float xh = xb[k] * (a - a * g);
        w[c] += xh;
        cxh[c] += centred * xh;
        dxb[k] = a + twoAlpha * xh;
      }
    }
    for (int64_t c = 0; c < channels; c++) {
      const float s = stds[b * channels + c];
      totalDz += s * w[c];
      totalDAlpha += cxh[c];
      const float wc = static_cast<float>(w[c]);
      p[c] = stopStats ? 0.0f : twoAlpha * z * wc / (static_cast<float>(n) * s);
      q[c] = stopStats ? 0.0f : twoAlpha * wc / static_cast<float>(n) + p[c] * z * s;
    }
    if (stopStats) continue;
    if (channels == 1) {
      const float t = threshold[0], pc = p[0], qc = q[0];
      for (int64_t k = 0; k < n; k++) dxb[k] -= pc * (xb[k] - t) + qc;
      continue;
    }
    for (int64_t i = 0; i < n; i++)
      for (int64_t c = 0; c < channels; c++) {
        const int64_t k = i * channels + c;
        dxb[k] -= p[c] * (xb[k] - threshold[c]) + q[c];
      }
  }
  *dz = -2.0 * alpha * totalDz;
  *dAlpha = 2.0 * totalDAlpha;
}

}  // namespace ash

namespace ash {

// Training-mode batch norm over the rows of x [M, C] (C contiguous): per-channel mean and biased
// variance (two passes, double accumulators), y = (x - mean) * invStd * gamma + beta.
// stats: [mean; variance; invStd], each [C].
ASH_CLONES void batchNormForward(const float* x, const float* gamma, const float* beta, float* y, float* stats, int64_t rows, int64_t channels,
                                 float epsilon) {
  std::vector<double> acc(channels, 0.0);
  std::vector<float> mean(channels), scale(channels), shift(channels);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) acc[c] += x[r * channels + c];
  for (int64_t c = 0; c < channels; c++) mean[c] = static_cast<float>(acc[c] / rows);
  std::fill(acc.begin(), acc.end(), 0.0);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) {
      const float d = x[r * channels + c] - mean[c];
      acc[c] += static_cast<double>(d) * d;
    }
  for (int64_t c = 0; c < channels; c++) {
    const float variance = static_cast<float>(acc[c] / rows);
    const float invStd = 1.0f / std::sqrt(variance + epsilon);
    stats[c] = mean[c];
    stats[channels + c] = variance;
    stats[2 * channels + c] = invStd;
    scale[c] = invStd * gamma[c];
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) y[r * channels + c] = x[r * channels + c] * scale[c] + shift[c];
}

// Its gradient, xhat recomputed from x and the saved statistics:
//   dBeta = sum dy, dGamma = sum dy xhat, dx = gamma invStd / M (M dy - dBeta - xhat dGamma).
ASH_CLONES void batchNormBackward(const float* dy, const float* x, const float* stats, const float* gamma, float* dx, float* dGamma, float* dBeta,
                                  int64_t rows, int64_t channels) {
  const float* mean = stats;
  const float* invStd = stats + 2 * channels;
  std::vector<double> sumDy(channels, 0.0), sumDyXhat(channels, 0.0);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) {
      const int64_t k = r * channels + c;
      const float xhat = (x[k] - mean[c]) * invStd[c];
      sumDy[c] += dy[k];
      sumDyXhat[c] += dy[k] * xhat;
    }
  std::vector<float> a(channels), b(channels), m(channels);
  for (int64_t c = 0; c < channels; c++) {
    dBeta[c] = static_cast<float>(sumDy[c]);
    dGamma[c] = static_cast<float>(sumDyXhat[c]);
    // dx = k (dy - dBeta/M - xhat dGamma/M), k = gamma invStd, written as dy*k + x*a + b.
    const float k = gamma[c] * invStd[c];
    const float meanDy = static_cast<float>(sumDy[c] / rows);
    const float meanDyXhat = static_cast<float>(sumDyXhat[c] / rows);
    m[c] = k;
    a[c] = -k * meanDyXhat * invStd[c];
    b[c] = -k * meanDy + k * meanDyXhat * invStd[c] * mean[c];
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < channels; c++) {
      const int64_t k = r * channels + c;
      dx[k] = dy[k] * m[c] + x[k] * a[c] + b[c];
    }
}

}  // namespace ash
