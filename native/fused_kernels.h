// Fused activation, batch-norm and max-pool kernels (fused_kernels.c), C linkage; see that file for the layouts.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void swishForward(const float* x, float* y, int32_t count, float beta);
void swishBackward(const float* dy, const float* x, float* dx, int32_t count, float beta);
/** x [B, N, C]; stats: [B, C] means then [B, C] stds; scratch: 2C doubles. */
void ashForward(const float* x, float* y, float* stats, int32_t batch, int32_t n, int32_t channels, float z, float alpha, float epsilon,
                double* scratch);
/** scratch: 3C doubles; out: [dz, dalpha]. */
void ashBackward(const float* dy, const float* x, const float* stats, float* dx, int32_t batch, int32_t n, int32_t channels, float z,
                 float alpha, int32_t stopStats, double* scratch, double* out);
/** x [M, C]; stats: [mean; variance; invStd], each [C]; scratch: 3C doubles. */
void batchNormForward(const float* x, const float* gamma, const float* beta, float* y, float* stats, int32_t rows, int32_t channels,
                      float epsilon, double* scratch);
/** scratch: 5C doubles. */
void batchNormBackward(const float* dy, const float* x, const float* stats, const float* gamma, float* dx, float* dGamma, float* dBeta,
                       int32_t rows, int32_t channels, double* scratch);
/** x [N, H, W, C] -> y [N, OH, OW, C] and argmax (flat index into x of each output's maximum, the first in raster order). */
void maxPoolForward(const float* x, float* y, int32_t* argmax, int32_t batch, int32_t height, int32_t width, int32_t channels, int32_t outHeight,
                    int32_t outWidth, int32_t kernelHeight, int32_t kernelWidth, int32_t strideHeight, int32_t strideWidth, int32_t padTop,
                    int32_t padLeft);
/** dx [inCount] = 0, then dx[argmax[i]] += dy[i] for each of the outCount outputs. */
void maxPoolBackward(const float* dy, const int32_t* argmax, float* dx, int32_t outCount, int32_t inCount);

#ifdef __cplusplus
}
#endif
