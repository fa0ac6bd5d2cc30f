// Float64 references and helpers for the activation tests, written apart from src/ so that they check it.
import { tf } from '../../src/engine/tf.js';

/** A small seeded generator (mulberry32) with Box-Muller normals, so that test inputs are reproducible. */
export function seededRandom(seed: number): { uniform(): number; normal(): number } {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

export function normals(count: number, seed: number, scale = 1, shift = 0): Float64Array {
  const r = seededRandom(seed);
  return Float64Array.from({ length: count }, () => shift + scale * r.normal());
}

/** Values a float32 tensor would hold, so that float64 references start from the same inputs. */
export function asFloat32(values: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(values));
}

export function sigmoid64(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/**
 * Group index of every element: per sample (all non-batch elements), or per sample and channel (last axis).
 * Returns, per element, the group id, and the number of groups.
 */
export function groupsOf(shape: number[], stats: 'sample' | 'channel'): { group: Int32Array; count: number } {
  const size = shape.reduce((a, b) => a * b, 1);
  const perSample = size / shape[0]!;
  const channels = shape[shape.length - 1]!;
  const group = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const sample = Math.floor(i / perSample);
    group[i] = stats === 'sample' ? sample : sample * channels + (i % channels);
  }
  return { group, count: stats === 'sample' ? shape[0]! : shape[0]! * channels };
}

/** Per-group mean and population std sqrt(var + eps), in float64. */
export function groupStats(x: Float64Array, shape: number[], stats: 'sample' | 'channel', eps: number) {
  const { group, count } = groupsOf(shape, stats);
  const sum = new Float64Array(count);
  const n = new Float64Array(count);
  x.forEach((v, i) => {
    sum[group[i]!]! += v;
    n[group[i]!]! += 1;
  });
  const mean = sum.map((s, g) => s / n[g]!);
  const sq = new Float64Array(count);
  x.forEach((v, i) => {
    sq[group[i]!]! += (v - mean[group[i]!]!) ** 2;
  });
  const std = sq.map((s, g) => Math.sqrt(s / n[g]! + eps));
  return { group, mean, std };
}

/** ASH, Eq. 10, in float64: x * sigmoid(2 alpha (x - m - z s)); `frozen` gives the statistics to use instead. */
export function ash64(
  x: Float64Array,
  shape: number[],
  o: { z: number; alpha: number; stats: 'sample' | 'channel'; eps: number },
  frozen?: ReturnType<typeof groupStats>,
): Float64Array {
  const { group, mean, std } = frozen ?? groupStats(x, shape, o.stats, o.eps);
  return x.map((v, i) => v * sigmoid64(2 * o.alpha * (v - mean[group[i]!]! - o.z * std[group[i]!]!)));
}

/** Hard ASH, Eq. 7, in float64. */
export function ashHard64(x: Float64Array, shape: number[], z: number, stats: 'sample' | 'channel', eps: number): Float64Array {
  const { group, mean, std } = groupStats(x, shape, stats, eps);
  return x.map((v, i) => (v >= mean[group[i]!]! + z * std[group[i]!]! ? v : 0));
}

export function tensorOf(values: Float64Array, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(values), shape, 'float32');
}

export function valuesOf(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** max |a - b| / (atol + rtol |b|) <= 1, with the worst index for the message. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const ratio = Math.abs(actual[i]! - expected[i]!) / (atol + rtol * Math.abs(expected[i]!));
    if (!(ratio <= worst)) {
      worst = ratio;
      at = i;
    }
  }
  if (!(worst <= 1)) {
    throw new Error(`${what}: element ${at} is ${actual[at]}, expected ${expected[at]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Weighted sum in float64, the scalar loss the finite differences use. */
export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Runs f in a tidy scope and returns the values of the tensors it returns, disposing them. */
export function tidyValues(f: () => tf.Tensor[]): Float64Array[] {
  const tensors = tf.tidy(f);
  const values = tensors.map(valuesOf);
  tf.dispose(tensors);
  return values;
}
