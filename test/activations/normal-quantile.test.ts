import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalQuantile } from '../../src/activations/normal-quantile.js';

// Reference quantiles to 15+ digits (R's qnorm, i.e. AS 241, and published tables). @stdlib computes the
// quantile through erfcinv, good to ~1e-9 relative even at p = 1e-10: far more than a ReLU threshold needs.
const KNOWN: [number, number][] = [
  [0.5, 0],
  [0.975, 1.959963984540054],
  [0.95, 1.6448536269514722],
  [0.9, 1.2815515655446004],
  [0.99, 2.3263478740408408],
  [0.999, 3.090232306167813],
  [0.75, 0.6744897501960817],
  [0.025, -1.959963984540054],
  [1e-10, -6.361340902404056],
];

test('normalQuantile matches tabulated quantiles', () => {
  for (const [p, z] of KNOWN) {
    const got = normalQuantile(p);
    assert.ok(Math.abs(got - z) <= 1e-8 * Math.max(1, Math.abs(z)), `Phi^-1(${p}) = ${got}, expected ${z}`);
  }
});

/** Upper tail Q(z) = P(Z > z) for z >= 0, by composite Simpson integration of the density (independent of AS 241). */
function upperTail(z: number): number {
  const pdf = (t: number): number => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  const end = z + 12;
  const steps = 20000;
  const h = (end - z) / steps;
  let sum = pdf(z) + pdf(end);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * pdf(z + i * h);
  return (sum * h) / 3;
}

test('normalQuantile inverts the normal CDF from the centre to the far tail', () => {
  // The domain ASH meets: k and 1 - k in [1e-10, 1 - 1e-10] (thresholds up to 6.4 standard deviations).
  // @stdlib loses accuracy far beyond that (about 0.15% in z at p = 1e-16), which no ASH layer can use.
  for (const p of [0.4999, 0.3, 0.1, 0.07, 0.02, 1e-3, 1e-6, 1e-9, 1e-10]) {
    const z = normalQuantile(p);
    assert.ok(z < 0, `Phi^-1(${p}) = ${z} should be negative`);
    const tail = upperTail(-z);
    assert.ok(Math.abs(tail - p) <= 1e-6 * p, `Q(${-z}) = ${tail}, expected ${p}`);
    // 1 - p itself is rounded in float64, which moves the upper quantile by about 1e-16 / p relative.
    if (p >= 1e-9) assert.ok(Math.abs(normalQuantile(1 - p) + z) <= 1e-6 * Math.abs(z), `symmetry at ${p}`);
  }
});

test('normalQuantile: edges and bad input', () => {
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  for (const bad of [-0.1, 1.5, NaN]) assert.throws(() => normalQuantile(bad), RangeError);
});
