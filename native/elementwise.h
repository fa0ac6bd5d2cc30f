// Fused element-wise activation kernels (elementwise.cc); plain float arrays, no N-API.
#pragma once
#include <cstdint>

namespace ash {
void swishForward(const float* x, float* y, int64_t count, float beta);
void swishBackward(const float* dy, const float* x, float* dx, int64_t count, float beta);
void ashForward(const float* x, float* y, float* stats, int64_t batch, int64_t n, int64_t channels, float z, float alpha, float epsilon);
void ashBackward(const float* dy, const float* x, const float* stats, float* dx, int64_t batch, int64_t n, int64_t channels, float z,
                 float alpha, bool stopStats, double* dz, double* dAlpha);
}  // namespace ash

namespace ash {
void batchNormForward(const float* x, const float* gamma, const float* beta, float* y, float* stats, int64_t rows, int64_t channels, float epsilon);
void batchNormBackward(const float* dy, const float* x, const float* stats, const float* gamma, float* dx, float* dGamma, float* dBeta, int64_t rows,
                       int64_t channels);
}  // namespace ash
