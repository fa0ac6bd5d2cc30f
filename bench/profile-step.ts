// Where a training step's time goes: tf.profile over training steps of a bench model (resnet20, small-cnn,
// unet-small, ssd-small with their task losses, as `ash bench` times them) (the real step from
// src/tasks/loop.ts createTrainStep), kernel times summed by kernel name, plus the wall time of the
// step, the time outside kernels, and the tensors and bytes allocated per step.
// Run: npx tsx bench/profile-step.ts [--backend wasm] [--model resnet20] [--input 28x28x1] [--batch 128] [--steps 2] [--top 20]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { tf } from '../src/engine/tf.js';
import { initEngine } from '../src/engine/backend.js';
import { Rng } from '../src/engine/random.js';
import { createTrainStep } from '../src/tasks/loop.js';
import { createOptimizer } from '../src/tasks/optimizers.js';
import { BENCH_CLASSES, BENCH_MODELS, benchTask, buildBenchModel, type BenchModel } from '../src/bench/throughput.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string', default: 'resnet20' },
    input: { type: 'string', default: '28x28x1' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '2' },
    top: { type: 'string', default: '20' },
  },
});
const [h, w, c] = values.input.split('x').map(Number) as [number, number, number];
const batch = Number(values.batch);
const steps = Number(values.steps);
const engine = await initEngine({ backend: values.backend });
if (!(BENCH_MODELS as readonly string[]).includes(values.model)) throw new Error(`--model: expected one of ${BENCH_MODELS.join(', ')}, got ${values.model}`);
const name = values.model as BenchModel;
const inputShape: [number, number, number] = [h, w, c];
const built = buildBenchModel(name, { activation: { name: 'swish' }, numClasses: BENCH_CLASSES[name], inputShape, seed: 1, bnMomentum: 0.9 });
const { model } = built;
const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
const step = createTrainStep(model, optimizer);
const x = tf.randomUniform([batch, h, w, c], -1, 1, 'float32', 1) as tf.Tensor4D;
const task = benchTask({ model: name, inputShape, batch, activation: 'swish' }, built, new Rng(7));
const run = async () => {
  task.prepare?.();
  const loss = tf.tidy(() => step(() => task.loss(x)));
  await loss.data();
  loss.dispose();
  task.release?.();
};

await run(); // warm-up: kernel set-up and caches
const wall: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await run();
  wall.push(performance.now() - t0);
}
const wallMs = wall.sort((a, b) => a - b)[Math.floor(wall.length / 2)]!;

const byKernel = new Map<string, { ms: number; calls: number; bytes: number }>();
let profiledMs = 0;
const info = await tf.profile(async () => {
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await run();
  profiledMs = (performance.now() - t0) / steps;
});
for (const k of info.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0, bytes: 0 };
  entry.ms += (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / steps;
  entry.calls += 1 / steps;
  entry.bytes += k.bytesAdded / steps;
  byKernel.set(k.name, entry);
}
const kernelMs = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
const sorted = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
console.log(`${values.model} ${values.input} batch ${batch}, ${engine.name}; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`step wall ${wallMs.toFixed(0)} ms (median of ${steps}); under tf.profile ${profiledMs.toFixed(0)} ms, kernels ${kernelMs.toFixed(0)} ms in ${Math.round(info.kernels.length / steps)} kernel calls; new tensors/step ${(info.newTensors / steps).toFixed(0)}, peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB`);
console.log(`${'kernel'.padEnd(34)}${'ms/step'.padStart(9)}${'share'.padStart(8)}${'calls'.padStart(7)}${'MiB out'.padStart(9)}`);
for (const [name, e] of sorted.slice(0, Number(values.top))) {
  console.log(`${name.padEnd(34)}${e.ms.toFixed(1).padStart(9)}${`${((100 * e.ms) / kernelMs).toFixed(1)}%`.padStart(8)}${e.calls.toFixed(0).padStart(7)}${(e.bytes / 2 ** 20).toFixed(1).padStart(9)}`);
}
x.dispose();
optimizer.dispose();
model.dispose();
