// Forward + backward time of ASH against Swish, and of every registry activation, on the WASM backend.
// Run: npx tsx bench/activations.ts [--backend wasm|cpu] [--runs 9] [--all]
//   --all            also time every registry activation layer (defaults), forward + backward w.r.t. x
// Prints medians over interleaved rounds and each time's ratio to Swish (x * sigmoid(x) through plain ops).
import { parseArgs } from 'node:util';
import { tf } from '../src/engine/tf.js';
import { initEngine } from '../src/engine/backend.js';
import { ashCustomGrad, ashPlainOps, ashHard, ashTopK, type AshMathOptions } from '../src/activations/ash-math.js';
import { activationNames, createActivation } from '../src/activations/registry.js';

type Tensor = tf.Tensor;

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    runs: { type: 'string', default: '9' },
    all: { type: 'boolean', default: false },
  },
});
const engine = await initEngine({ backend: values.backend });
const runs = Number(values.runs);
const shape = [64, 32, 32, 64];

const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
const upstream = tf.randomNormal(shape, 0, 1, 'float32', 2);
const z = tf.scalar(0.5);
const alpha = tf.scalar(1.5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// The wasm and cpu backends run kernels synchronously, so the clock stops when the last kernel returns;
// results are not read back (reading 16 MB back costs about a fifth of Swish's forward + backward).
function backwardCase(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor[]): () => number {
  const gradients = tf.grads(f);
  return () => {
    const t0 = performance.now();
    tf.tidy(() => void gradients(inputs, upstream));
    return performance.now() - t0;
  };
}

function forwardCase(f: (input: Tensor) => Tensor): () => number {
  return () => {
    const t0 = performance.now();
    tf.tidy(() => void f(x));
    return performance.now() - t0;
  };
}

/** Rounds interleave the cases, so that load from other processes on a shared machine spreads over all. */
function measure(cases: [string, () => number][], rounds: number): number[] {
  const samples = cases.map(() => [] as number[]);
  for (let round = -1; round < rounds; round++) {
    cases.forEach(([, run], i) => {
      const ms = run();
      if (round >= 0) samples[i]!.push(ms);
    });
  }
  return samples.map(median);
}

function ashCases(): [string, () => number][] {
  const sample: AshMathOptions = { stats: 'sample', epsilon: 1e-5, stopStatsGradient: false };
  const stopped = { ...sample, stopStatsGradient: true };
  const layer = createActivation({ name: 'ash' });
  layer.apply(tf.zeros([1, ...shape.slice(1)]));
  return [
    ['swish x*sigmoid(x), plain ops', backwardCase((a) => tf.mul(a!, tf.sigmoid(a!)), [x])],
    ['ash plain ops (autodiff)', backwardCase((a, b, c) => ashPlainOps(a!, b!, c!, sample), [x, z, alpha])],
    ['ash custom grad', backwardCase((a, b, c) => ashCustomGrad(a!, b!, c!, sample), [x, z, alpha])],
    ['ash plain ops, stopStatsGradient', backwardCase((a, b, c) => ashPlainOps(a!, b!, c!, stopped), [x, z, alpha])],
    ['ash custom grad, stopStatsGradient', backwardCase((a, b, c) => ashCustomGrad(a!, b!, c!, stopped), [x, z, alpha])],
    ['ash custom grad, channel stats', backwardCase((a, b, c) => ashCustomGrad(a!, b!, c!, { ...sample, stats: 'channel' }), [x, z, alpha])],
    ['ash-hard', backwardCase((a) => ashHard(a!, 0.5, 'sample', 1e-5), [x])],
    ['ash-topk (k 0.5)', backwardCase((a) => ashTopK(a!, 0.5), [x])],
    ['swish, forward only', forwardCase((a) => tf.mul(a, tf.sigmoid(a)))],
    ['ash layer, forward only', forwardCase((a) => layer.apply(a) as Tensor)],
  ];
}

function report(title: string, cases: [string, () => number][], rounds: number): void {
  const ms = measure(cases, rounds);
  const forwardSwish = cases.findIndex(([n]) => n === 'swish, forward only');
  console.log(`\n${title}`);
  cases.forEach(([name], i) => {
    const base = name.includes('forward only') && forwardSwish >= 0 ? ms[forwardSwish]! : ms[0]!;
    console.log(`${name.padEnd(40)} ${ms[i]!.toFixed(1).padStart(8)} ms  ${(ms[i]! / base).toFixed(2)}x swish`);
  });
}


console.log(
  `backend ${engine.name}${engine.simd === undefined ? '' : ` (simd ${engine.simd}, threads ${engine.threads})`}, ` +
    `shape [${shape}], median of ${runs} interleaved rounds`,
);
report('stock tfjs kernels', ashCases(), runs);
if (values.all) {
  const layers: [string, () => number][] = [['swish x*sigmoid(x), plain ops', backwardCase((a) => tf.mul(a!, tf.sigmoid(a!)), [x])]];
  for (const name of activationNames()) {
    const layer = createActivation({ name });
    layer.apply(tf.zeros([1, ...shape.slice(1)]));
    layers.push([`layer ${name}`, backwardCase((a) => layer.apply(a!) as Tensor, [x])]);
  }
  report('every registry layer (defaults), forward + backward w.r.t. x', layers, Math.max(3, Math.floor(runs / 3)));
}
