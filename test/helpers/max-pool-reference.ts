// Max pooling as a float64 loop over TF's windows, the reference the pooling tests compare against: each
// output is the largest element of its window inside x (padding is never chosen) and its upstream gradient
// goes to the first largest element in raster order of the window offsets, TF's (and torch's) rule.
import type { PoolPadding } from '../../src/models/max-pool.js';

export interface PoolCase {
  shape: [number, number, number, number];
  k: number;
  s: number;
  padding: PoolPadding;
}

export const poolLabel = (c: PoolCase): string => `[${c.shape.join(',')}] ${c.k}x${c.k}/${c.s} ${c.padding}`;

export function poolOutSize(size: number, c: PoolCase): number {
  return c.padding === 'valid' ? Math.floor((size - c.k) / c.s) + 1 : Math.ceil(size / c.s);
}

/** y = maxpool(x), and dL/dx for L = sum(y * dy). */
export function argmaxPool(c: PoolCase, x: ArrayLike<number>, dy: ArrayLike<number>): { y: Float64Array; dx: Float64Array } {
  const [n, h, w, ch] = c.shape;
  const [oh, ow] = [poolOutSize(h, c), poolOutSize(w, c)];
  const top = c.padding === 'same' ? Math.floor(Math.max((oh - 1) * c.s + c.k - h, 0) / 2) : 0;
  const left = c.padding === 'same' ? Math.floor(Math.max((ow - 1) * c.s + c.k - w, 0) / 2) : 0;
  const y = new Float64Array(n * oh * ow * ch);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < ch; k++) {
          let best = -Infinity;
          let at = -1;
          for (let a = 0; a < c.k; a++)
            for (let e = 0; e < c.k; e++) {
              const r = i * c.s + a - top;
              const col = j * c.s + e - left;
              if (r < 0 || col < 0 || r >= h || col >= w) continue;
              const index = ((b * h + r) * w + col) * ch + k;
              if (x[index]! > best) {
                best = x[index]!;
                at = index;
              }
            }
          const out = ((b * oh + i) * ow + j) * ch + k;
          y[out] = best;
          dx[at] += dy[out]!;
        }
  return { y, dx };
}
