// Float64 reference loops for conv2d and depthwise conv2d gradients (NHWC), written straight from
// the forward definition y[n,oy,ox,co] = sum x[n, oy*s+ky*d-top, ox*s+kx*d-left, ci] * w[ky,kx,ci,co]
// (depthwise: co = ci*M+m and w[ky,kx,ci,m], no sum over ci), with out-of-range x = 0.
// Used where the cpu backend has no answer: with dilations > 1, tfjs's cpu gradient kernels ignore the
// dilation when indexing (tfjs's own gradients refuse dilated convs, so it never showed there).

export interface Geometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  ho: number;
  wo: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  /** Set for a depthwise conv: then co = ci * multiplier. */
  multiplier?: number;
}

/** Calls f(xIndex, dyIndex, wIndex) for every product term of the forward conv. */
function forEachTerm(g: Geometry, f: (xi: number, di: number, wi: number) => void): void {
  for (let b = 0; b < g.n; b++) {
    for (let oy = 0; oy < g.ho; oy++) {
      for (let ox = 0; ox < g.wo; ox++) {
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh + ky * g.dh - g.top;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw + kx * g.dw - g.left;
            if (ix < 0 || ix >= g.w) continue;
            const xRow = ((b * g.h + iy) * g.w + ix) * g.ci;
            const dyRow = ((b * g.ho + oy) * g.wo + ox) * g.co;
            const wTap = (ky * g.kw + kx) * g.ci;
            for (let ci = 0; ci < g.ci; ci++) {
              if (g.multiplier === undefined) {
                for (let co = 0; co < g.co; co++) f(xRow + ci, dyRow + co, (wTap + ci) * g.co + co);
              } else {
                // Depthwise: w [kh, kw, ci, M] and dy channel ci*M+m, so both share the index (wTap+ci)*M+m.
                for (let m = 0; m < g.multiplier; m++) f(xRow + ci, dyRow + ci * g.multiplier + m, (wTap + ci) * g.multiplier + m);
              }
            }
          }
        }
      }
    }
  }
}

export function referenceFilterGradient(g: Geometry, x: Float32Array, dy: Float32Array): Float64Array {
  const out = new Float64Array(g.kh * g.kw * g.ci * (g.multiplier ?? g.co));
  forEachTerm(g, (xi, di, wi) => {
    out[wi] += x[xi] * dy[di];
  });
  return out;
}

export function referenceInputGradient(g: Geometry, dy: Float32Array, w: Float32Array): Float64Array {
  const out = new Float64Array(g.n * g.h * g.w * g.ci);
  forEachTerm(g, (xi, di, wi) => {
    out[xi] += dy[di] * w[wi];
  });
  return out;
}
