// The geometry of a 2-D pooling window under TF's padding rules, shared by the composed max pool
// (src/models/max-pool.ts) and the fused max-pool kernels (native_activations.ts), so both pool the same
// windows.

export type PoolPadding = 'same' | 'valid';

/** Output size, and padding before/after, of one axis (TF's rules: 'same' puts the odd pixel after). */
export function poolAxis(size: number, kernel: number, stride: number, padding: PoolPadding): { out: number; before: number; after: number } {
  if (padding === 'valid') return { out: Math.floor((size - kernel) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}
