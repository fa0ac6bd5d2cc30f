// Input gradients of conv2d and depthwise conv2d as stride-1 forward convolutions on dy, one per
// phase of the stride (subpixel_plan.ts), run by the WASM backend's XNNPACK kernels; a JS loop over
// the heap then interleaves the phases into dx. Only the small per-phase filters are built in JS; dy
// and dx never leave WASM memory.
//
// Measured alternatives (bench/conv-backprop.ts shapes): one conv with all phases' taps on a common
// grid as extra output channels wastes 16/9 of the work for 3x3 stride 2 and was slower; interleaving
// with the WASM DepthToSpace or Transpose kernels took 200-650 ms at batch 128 where the JS scatter
// below takes a few ms; XNNPACK's depthwise conv with a channel multiplier > 1 is ~4x slower per
// output than with multiplier 1.
import type { tf } from '../tf.js';
import type { Conv2DInfo } from './conv_attrs.js';
import { planAxis, type AxisPlan, type PhasePlan } from './subpixel_plan.js';
import { heapF32, release, reshapeInfo, runWasmKernel, sizeOf, type WasmBackend } from './wasm_backend.js';

interface PhaseGeometry {
  rows: PhasePlan;
  cols: PhasePlan;
  /** Attributes of the stride-1 forward conv that computes this phase. */
  convAttrs: Record<string, unknown>;
}

/** Computes one phase of dx: [N, outPerPhase rows, outPerPhase cols, channels]. */
type PhaseConv = (phase: PhaseGeometry) => tf.TensorInfo;

function planFor(info: Conv2DInfo): { rows: AxisPlan; cols: AxisPlan } {
  return {
    rows: planAxis(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.dilationHeight, info.padInfo.top),
    cols: planAxis(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.dilationWidth, info.padInfo.left),
  };
}

function inputGradient(backend: WasmBackend, info: Conv2DInfo, channels: number, phaseConv: PhaseConv): tf.TensorInfo {
  const { rows, cols } = planFor(info);
  const geometry = (r: PhasePlan, c: PhasePlan): PhaseGeometry => ({
    rows: r,
    cols: c,
    convAttrs: {
      strides: 1,
      dilations: [rows.dilation, cols.dilation],
      pad: [
        [0, 0],
        [r.padBefore, r.padAfter],
        [c.padBefore, c.padAfter],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  });
  const sh = rows.phases.length;
  const sw = cols.phases.length;
  // Stride 1: every tap reaches the single phase, whose output is dx itself.
  if (sh === 1 && sw === 1) return phaseConv(geometry(rows.phases[0], cols.phases[0]));

  const dx = backend.makeOutput([info.batchSize, info.inHeight, info.inWidth, channels], 'float32');
  if (rows.phases.some((p) => p.taps === 0) || cols.phases.some((p) => p.taps === 0)) {
    // Some rows or columns get no filter tap at all (e.g. 1x1 stride 2): their gradient is 0.
    heapF32(backend, dx).fill(0);
  }
  for (let py = 0; py < sh; py++) {
    for (let px = 0; px < sw; px++) {
      if (rows.phases[py].taps === 0 || cols.phases[px].taps === 0) continue;
      const y = phaseConv(geometry(rows.phases[py], cols.phases[px]));
      scatterPhase(backend, y, dx, py, px, sh, sw);
      release(backend, y);
    }
  }
  return dx;
}

/**
 * dx[n, i*sh + py, j*sw + px, :] = y[n, i, j, :] for the rows and columns inside dx. A JS loop over the
 * heap: measured ~10x faster here than stacking the phases and interleaving them with the WASM
 * Transpose kernel, which is slow for this permutation.
 */
function scatterPhase(backend: WasmBackend, y: tf.TensorInfo, dx: tf.TensorInfo, py: number, px: number, sh: number, sw: number): void {
  const [n, hq, wq, c] = y.shape as [number, number, number, number];
  const [, h, w] = dx.shape as [number, number, number, number];
  const src = heapF32(backend, y);
  const dst = heapF32(backend, dx);
  const rows = Math.min(hq, Math.ceil((h - py) / sh));
  const cols = Math.min(wq, Math.ceil((w - px) / sw));
  const dstStep = sw * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < rows; i++) {
      let from = ((b * hq + i) * wq) * c;
      let to = ((b * h + i * sh + py) * w + px) * c;
      for (let j = 0; j < cols; j++) {
        for (let k = 0; k < c; k++) dst[to + k] = src[from + k];
        from += c;
        to += dstStep;
      }
    }
  }
}

/** dx (NHWC) of conv2d, from dy (NHWC) and filter [kh, kw, Ci, Co]. */
export function conv2dInputGradient(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const { inChannels: ci, outChannels: co, filterWidth: kw } = info;
  return inputGradient(backend, info, ci, ({ rows, cols, convAttrs }) => {
    // The phase's filter maps dy's Co channels to dx's Ci: [taps, taps, Co, Ci].
    const phaseFilter = backend.makeOutput([rows.taps, cols.taps, co, ci], 'float32');
    const f = heapF32(backend, phaseFilter);
    const w = heapF32(backend, filter);
    f.fill(0);
    for (const r of rows.entries) {
      for (const c of cols.entries) {
        const src = (r.k * kw + c.k) * ci * co;
        const dst = (r.tap * cols.taps + c.tap) * co * ci;
        for (let i = 0; i < ci; i++) {
          for (let o = 0; o < co; o++) f[dst + o * ci + i] = w[src + i * co + o];
        }
      }
    }
    const y = runWasmKernel(backend, 'Conv2D', { x: dy, filter: phaseFilter }, convAttrs);
    release(backend, phaseFilter);
    return y;
  });
}

/** dx (NHWC) of depthwise conv2d, from dy [N, Ho, Wo, C*M] and filter [kh, kw, C, M]. */
export function depthwiseInputGradient(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const { inChannels: c, outChannels: depth, filterWidth: kw } = info;
  const m = depth / c;
  return inputGradient(backend, info, c, ({ rows, cols, convAttrs }) => {
    // Multiplier 1 on all C*M channels of dy, then the M products of each input channel are summed.
    const [tapRows, tapCols] = fastDepthwiseWindow(rows.taps, cols.taps);
    const phaseFilter = backend.makeOutput([tapRows, tapCols, depth, 1], 'float32');
    const f = heapF32(backend, phaseFilter);
    const w = heapF32(backend, filter);
    f.fill(0);
    for (const r of rows.entries) {
      for (const col of cols.entries) {
        const src = (r.k * kw + col.k) * depth;
        f.set(w.subarray(src, src + depth), (r.tap * tapCols + col.tap) * depth);
      }
    }
    // Zero taps appended after the phase's own read further into dy: pad it as much more.
    const [dilationRows, dilationCols] = convAttrs.dilations as [number, number];
    const attrs = {
      ...convAttrs,
      pad: [
        [0, 0],
        [rows.padBefore, rows.padAfter + (tapRows - rows.taps) * dilationRows],
        [cols.padBefore, cols.padAfter + (tapCols - cols.taps) * dilationCols],
        [0, 0],
      ],
    };
    const y = runWasmKernel(backend, 'DepthwiseConv2dNative', { x: dy, filter: phaseFilter }, attrs);
    release(backend, phaseFilter);
    if (m === 1) return y;
    const pairs = reshapeInfo(backend, y, [sizeOf(y.shape) / m, m]);
    const summed = runWasmKernel(backend, 'Sum', { x: pairs }, { axis: [1], keepDims: false });
    const out = reshapeInfo(backend, summed, [...y.shape.slice(0, 3), c]);
    release(backend, y, pairs, summed);
    return out;
  });
}

/**
 * The filter window to run a depthwise phase with. XNNPACK's depthwise conv (as built into tfjs 4.22
 * WASM) is fast only for 1, 3, 4 and 9 taps (also 25, less so); 2 or 6 taps were measured 10-40x
 * slower than 4 or 9. So odd windows get zero taps appended up to a fast one.
 */
export function fastDepthwiseWindow(tapRows: number, tapCols: number): [number, number] {
  if ([1, 3, 4, 9].includes(tapRows * tapCols)) return [tapRows, tapCols];
  for (const size of [2, 3, 5]) {
    if (tapRows <= size && tapCols <= size) return [size, size];
  }
  return [tapRows, tapCols];
}
