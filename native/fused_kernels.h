// Fused activation and batch-norm kernels (fused_kernels.c), C linkage; see that file for the layouts.
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

#ifdef __cplusplus
}
#endif
