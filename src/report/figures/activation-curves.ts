// The activation functions themselves, in float64 from their formulas, for the activation plot.
// These are reference formulas for a figure, not the tfjs layers that training uses.
import type { TopLevelSpec } from 'vega-lite';
import { activationStyle, BASE_CONFIG, FIGURE_WIDTH } from './vega.js';

const SQRT_PI = Math.sqrt(Math.PI);

/** erf in float64: Maclaurin series for |x| < 2.5, Lentz continued fraction of erfc beyond (both ~1e-14 here). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / SQRT_PI) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated with modified Lentz.
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = ax + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = ax + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / SQRT_PI / f;
  return Math.sign(x) * (1 - erfc);
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** log(1 + e^x) without overflow for large x. */
export const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Eq. 10 of the paper with the input's mean m and std s: x * sigmoid(2a (x - m - z s)). */
export function ash(x: number, z: number, alpha = 1, m = 0, s = 1): number {
  return x * sigmoid(2 * alpha * (x - m - z * s));
}

export interface Curve {
  label: string;
  f: (x: number) => number;
}

/** ASH is drawn for an input with mean 0 and std 1 (a standard-normal feature map), at a few thresholds z. */
export const ACTIVATION_CURVES: readonly Curve[] = [
  { label: 'ReLU', f: (x) => Math.max(0, x) },
  { label: 'LReLU (0.01)', f: (x) => (x >= 0 ? x : 0.01 * x) },
  { label: 'PReLU (init 0.25)', f: (x) => (x >= 0 ? x : 0.25 * x) },
  { label: 'Softplus', f: softplus },
  { label: 'ELU', f: (x) => (x >= 0 ? x : Math.expm1(x)) },
  { label: 'SELU', f: (x) => SELU_SCALE * (x >= 0 ? x : SELU_ALPHA * Math.expm1(x)) },
  { label: 'GELU', f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  { label: 'Swish', f: (x) => x * sigmoid(x) },
  { label: 'Mish', f: (x) => x * Math.tanh(softplus(x)) },
  { label: 'ASH z=0 (k=50%)', f: (x) => ash(x, 0) },
  { label: 'ASH z=0.674 (k=25%)', f: (x) => ash(x, 0.6744897501960817) },
  { label: 'ASH z=1.96 (k=2.5%)', f: (x) => ash(x, 1.959963984540054) },
];

export function curvePoints(curves: readonly Curve[] = ACTIVATION_CURVES, from = -4, to = 4, steps = 161): { activation: string; x: number; y: number }[] {
  const points: { activation: string; x: number; y: number }[] = [];
  for (const curve of curves) {
    for (let i = 0; i < steps; i++) {
      const x = from + ((to - from) * i) / (steps - 1);
      points.push({ activation: curve.label, x, y: curve.f(x) });
    }
  }
  return points;
}

export function activationCurvesSpec(): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Activation functions', subtitle: 'ASH: x·σ(2a(x − m − z·s)) with a = 1 on a standard-normal input (m = 0, s = 1)' },
    width: FIGURE_WIDTH,
    height: 420,
    config: BASE_CONFIG,
    data: { values: curvePoints() },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'x', scale: { domain: [-4, 4] } },
      y: { field: 'y', type: 'quantitative', title: 'f(x)' },
      ...activationStyle(ACTIVATION_CURVES.map((c) => c.label)),
    },
  };
}
