// Shared by the kernel tests (WASM kernels in kernels.test.ts, native ones in native-kernels.test.ts):
// the convolution geometries (grid, edge cases, NCHW), seeded data, running one kernel on a backend,
// and the error measure max|actual - reference| / max(1, max|reference|).
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { referenceFilterGradient, referenceInputGradient, type Geometry } from './conv-reference.js';

export const TOLERANCE = 1e-4;

export type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
export interface Case {
  label: string;
  n: number;
  h: number;
  w: number;
  /** Input channels. */
  c: number;
  /** Output channels (dense) or channel multiplier (depthwise). */
  out: number;
  kh: number;
  kw: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  nchw?: boolean;
}
export interface Data {
  shape: number[];
  values: Float32Array;
}

export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'result sizes differ');
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  // NaN never passes a <= comparison, so it is reported as a failure.
  return Number.isNaN(maxDiff) ? Infinity : maxDiff / Math.max(1, maxRef);
}

let seed = 12345;
export function randomData(shape: number[]): Data {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return { shape, values };
}

export async function runOn(backend: 'wasm' | 'cpu', kernel: string, inputs: Record<string, Data>, attrs: object): Promise<Data> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, d] of Object.entries(inputs)) tensors[name] = tf.tensor(d.values, d.shape, 'float32');
  const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { shape: out.shape, values: (out.dataSync() as Float32Array).slice() };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

export function shapes(cs: Case, depthwise: boolean) {
  const xShape: [number, number, number, number] = cs.nchw ? [cs.n, cs.c, cs.h, cs.w] : [cs.n, cs.h, cs.w, cs.c];
  const filterShape: [number, number, number, number] = [cs.kh, cs.kw, cs.c, cs.out];
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    cs.strides,
    cs.dilations,
    cs.pad,
    cs.dimRoundingMode,
    depthwise,
    cs.nchw ? 'channelsFirst' : 'channelsLast',
  );
  return { xShape, filterShape, dyShape: info.outShape as number[], info };
}

export function geometry(info: tf.backend_util.Conv2DInfo): Geometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    co: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    ho: info.outHeight,
    wo: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** batch 1..8, kernel 1/3/5, stride 1/2, dilation 1/2 (not both > 1), same/valid, odd sizes. */
export function grid(): Case[] {
  const cases: Case[] = [];
  let i = 0;
  for (const k of [1, 3, 5]) {
    for (const s of [1, 2]) {
      for (const d of [1, 2]) {
        if (s > 1 && d > 1) continue; // tfjs forbids strides > 1 together with dilations > 1
        for (const pad of ['same', 'valid'] as const) {
          const effective = (k - 1) * d + 1;
          const sizes = [7, 9, 11];
          cases.push({
            label: `k${k} s${s} d${d} ${pad} #${i}`,
            n: [1, 2, 3, 5, 8][i % 5],
            h: Math.max(sizes[i % 3], effective),
            w: Math.max(sizes[(i + 1) % 3], effective),
            c: 2 + (i % 3),
            out: 3 + (i % 2),
            kh: k,
            kw: k,
            strides: [s, s],
            dilations: [d, d],
            pad,
          });
          i++;
        }
      }
    }
  }
  return cases;
}

/** Geometries that exercise rarer paths: explicit and rounded padding, padding beyond the filter, uneven strides. */
export const EDGE_CASES: Case[] = [
  { label: 'explicit pad beyond filter', n: 2, h: 9, w: 7, c: 3, out: 2, kh: 3, kw: 3, strides: [2, 2], dilations: [1, 1], pad: [[0, 0], [3, 0], [1, 4], [0, 0]] },
  { label: 'numeric pad, ceil rounding', n: 3, h: 8, w: 9, c: 2, out: 3, kh: 3, kw: 3, strides: [2, 2], dilations: [1, 1], pad: 1, dimRoundingMode: 'ceil' },
  { label: 'k5 s4 same on 5x5', n: 2, h: 5, w: 5, c: 2, out: 2, kh: 5, kw: 5, strides: [4, 4], dilations: [1, 1], pad: 'same' },
  { label: 'uneven strides 1x2', n: 2, h: 7, w: 9, c: 3, out: 2, kh: 3, kw: 3, strides: [1, 2], dilations: [1, 1], pad: 'same' },
  { label: 'uneven strides 2x3 valid', n: 1, h: 11, w: 9, c: 2, out: 3, kh: 3, kw: 2, strides: [2, 3], dilations: [1, 1], pad: 'valid' },
  { label: 'non-square filter, dilation 1x2', n: 2, h: 9, w: 11, c: 3, out: 2, kh: 3, kw: 2, strides: [1, 1], dilations: [1, 2], pad: 'same' },
  { label: '1x1 stride 2 same', n: 3, h: 7, w: 7, c: 4, out: 5, kh: 1, kw: 1, strides: [2, 2], dilations: [1, 1], pad: 'same' },
  { label: 'stride 2 and dilation 2 (kernels only; tfjs ops refuse it)', n: 2, h: 11, w: 9, c: 2, out: 3, kh: 3, kw: 3, strides: [2, 2], dilations: [2, 2], pad: 'same' },
  { label: '1x1 stride 2 explicit pad', n: 2, h: 7, w: 8, c: 3, out: 2, kh: 1, kw: 1, strides: [2, 2], dilations: [1, 1], pad: [[0, 0], [1, 2], [2, 1], [0, 0]] },
];

export const NCHW_CASES: Case[] = [
  { label: 'NCHW k3 s1 same', n: 2, h: 7, w: 9, c: 3, out: 4, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: 'same', nchw: true },
  { label: 'NCHW k3 s2 valid', n: 3, h: 9, w: 9, c: 2, out: 3, kh: 3, kw: 3, strides: [2, 2], dilations: [1, 1], pad: 'valid', nchw: true },
];

export function dataFormat(cs: Case): 'NHWC' | 'NCHW' {
  return cs.nchw ? 'NCHW' : 'NHWC';
}

export function failures(results: Array<{ label: string; error: number }>): string {
  return results
    .filter((r) => !(r.error <= TOLERANCE))
    .map((r) => `${r.label}: ${r.error.toExponential(2)}`)
    .join('\n');
}

export async function denseFilterErrors(cases: Case[], against: 'cpu' | 'float64') {
  const results = [];
  for (const cs of cases) {
    const { xShape, filterShape, dyShape, info } = shapes(cs, false);
    const x = randomData(xShape);
    const dy = randomData(dyShape);
    const attrs = { strides: cs.strides, pad: cs.pad, dataFormat: dataFormat(cs), dimRoundingMode: cs.dimRoundingMode, filterShape, dilations: cs.dilations };
    const actual = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
    assert.deepEqual(actual.shape, filterShape, cs.label);
    const expected = against === 'cpu' ? (await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs)).values : referenceFilterGradient(geometry(info), x.values, dy.values);
    results.push({ label: cs.label, error: relativeError(actual.values, expected) });
  }
  return results;
}

export async function denseInputErrors(cases: Case[], against: 'cpu' | 'float64') {
  const results = [];
  for (const cs of cases) {
    const { xShape, filterShape, dyShape, info } = shapes(cs, false);
    const dy = randomData(dyShape);
    const filter = randomData(filterShape);
    const attrs = { strides: cs.strides, pad: cs.pad, dataFormat: dataFormat(cs), dimRoundingMode: cs.dimRoundingMode, inputShape: xShape, dilations: cs.dilations };
    const actual = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
    assert.deepEqual(actual.shape, xShape, cs.label);
    const expected = against === 'cpu' ? (await runOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs)).values : referenceInputGradient(geometry(info), dy.values, filter.values);
    results.push({ label: cs.label, error: relativeError(actual.values, expected) });
  }
  return results;
}

/** Depthwise kernels, multipliers 1 and 2, against the cpu backend or float64 loops. */
export async function depthwiseErrors(cases: Case[], which: 'filter' | 'input', against: 'cpu' | 'float64') {
  const results = [];
  for (const base of cases) {
    for (const multiplier of [1, 2]) {
      const cs = { ...base, out: multiplier, label: `${base.label} x${multiplier}` };
      const { xShape, filterShape, dyShape, info } = shapes(cs, true);
      const common = { strides: cs.strides, dilations: cs.dilations, pad: cs.pad, dimRoundingMode: cs.dimRoundingMode };
      const g = { ...geometry(info), multiplier };
      let actual: Data;
      let expected: ArrayLike<number>;
      if (which === 'filter') {
        const inputs = { x: randomData(xShape), dy: randomData(dyShape) };
        const attrs = { ...common, filterShape };
        actual = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
        assert.deepEqual(actual.shape, filterShape, cs.label);
        expected =
          against === 'cpu'
            ? (await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs)).values
            : referenceFilterGradient(g, inputs.x.values, inputs.dy.values);
      } else {
        const inputs = { dy: randomData(dyShape), filter: randomData(filterShape) };
        const attrs = { ...common, inputShape: xShape };
        actual = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs);
        assert.deepEqual(actual.shape, xShape, cs.label);
        expected =
          against === 'cpu'
            ? (await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs)).values
            : referenceInputGradient(g, inputs.dy.values, inputs.filter.values);
      }
      results.push({ label: cs.label, error: relativeError(actual.values, expected) });
    }
  }
  return results;
}

export const undilated = (cases: Case[]) => cases.filter((c) => c.dilations[0] === 1 && c.dilations[1] === 1);
export const dilated = (cases: Case[]) => cases.filter((c) => c.dilations[0] > 1 || c.dilations[1] > 1);

