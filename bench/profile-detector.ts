// Where a detector's training step and detect() call spend their time, on real fashion-scenes batches: wall
// time per step (median), time in kernels summed by kernel name (tf.profile), the host time outside kernels
// (target assignment, proposals, NMS, ROIAlign plans, dispatch) and the peak bytes. Used to size
// maskrcnn-small against ssd-small (issue #16).
// Run: npx tsx bench/profile-detector.ts [--model maskrcnn-small] [--batch 16] [--steps 3] [--top 15] [--detect 8]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { tf } from '../src/engine/tf.js';
import { initEngine } from '../src/engine/backend.js';
import { Rng } from '../src/engine/random.js';
import { createTrainStep } from '../src/tasks/loop.js';
import { createOptimizer } from '../src/tasks/optimizers.js';
import { getModel } from '../src/models/registry.js';
import { normalisedImages, openDetectionData, readDetectionBatch } from '../src/data/detection-data.js';
import type { Detector } from '../src/models/detection/types.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string', default: 'maskrcnn-small' },
    batch: { type: 'string', default: '16' },
    steps: { type: 'string', default: '3' },
    top: { type: 'string', default: '15' },
    detect: { type: 'string', default: '8' },
    activation: { type: 'string', default: 'swish' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
const engine = await initEngine({ backend: values.backend });
const data = await openDetectionData('fashion-scenes', { trainLimit: batch * (steps + 2), testLimit: Number(values.detect) });
const entry = getModel(values.model);
const side = entry.inputSize!;
const built = entry.build({ activation: { name: values.activation }, numClasses: data.classNames.length, inputShape: [side, side, 1], seed: 1, bnMomentum: 0.9 });
const detector = (built as typeof built & { detector: Detector }).detector;
const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
const step = createTrainStep(built.model, optimizer);
const rng = new Rng(3);
const batches = await Promise.all(
  Array.from({ length: steps + 1 }, (_, s) =>
    readDetectionBatch(data.train, Int32Array.from({ length: batch }, (_, i) => s * batch + i), {
      inputSize: detector.inputSize,
      augment: { rng, flip: true, scale: [0.75, 1.25] },
    }),
  ),
);
const run = async (s: number): Promise<number> => {
  const b = batches[s % batches.length]!;
  const loss = tf.tidy(() => step(() => detector.loss(tf.tensor4d(normalisedImages(b, data.mean, data.std), b.shape), detector.encodeTargets(b.truth)).total));
  const v = (await loss.data())[0]!;
  loss.dispose();
  return v;
};

function report(title: string, wallMs: number, info: tf.ProfileInfo, calls: number): void {
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / calls;
    e.calls += 1 / calls;
    byKernel.set(k.name, e);
  }
  // tf.profile lists an op's wrapper ('fusedConv2d__op') beside its kernel ('FusedConv2D'): wrappers are left
  // out. 'unnamed scope' is a customGrad's forward (ROIAlign's host loop, or its nested gather).
  for (const name of [...byKernel.keys()]) if (name.endsWith('__op')) byKernel.delete(name);
  const kernelMs = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`${title}: wall ${wallMs.toFixed(0)} ms, kernels ${kernelMs.toFixed(0)} ms in ${Math.round(info.kernels.length / calls)} calls, outside kernels ${(wallMs - kernelMs).toFixed(0)} ms, peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB`);
  for (const [name, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top))) {
    console.log(`  ${name.padEnd(28)}${e.ms.toFixed(1).padStart(9)} ms${`${((100 * e.ms) / kernelMs).toFixed(1)}%`.padStart(8)}${e.calls.toFixed(0).padStart(7)} calls`);
  }
}

console.log(`${values.model} batch ${batch}, ${engine.name}; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
await run(0); // warm-up
const wall: number[] = [];
for (let s = 1; s <= steps; s++) {
  const t0 = performance.now();
  await run(s);
  wall.push(performance.now() - t0);
}
const trainInfo = await tf.profile(async () => {
  for (let s = 1; s <= steps; s++) await run(s);
});
report(`train step (${batch} scenes)`, wall.sort((a, b) => a - b)[Math.floor(wall.length / 2)]!, trainInfo, steps);

const n = Number(values.detect);
if (n > 0) {
  const test = await readDetectionBatch(data.test, Int32Array.from({ length: n }, (_, i) => i), { inputSize: detector.inputSize });
  const images = tf.tensor4d(normalisedImages(test, data.mean, data.std), test.shape);
  detector.detect(images);
  const t0 = performance.now();
  const found = detector.detect(images);
  const detectMs = performance.now() - t0;
  const detectInfo = await tf.profile(() => {
    detector.detect(images);
  });
  report(`detect (${n} images, ${found.reduce((s, d) => s + d.scores.length, 0)} detections)`, detectMs, detectInfo, 1);
  images.dispose();
}
optimizer.dispose();
built.model.dispose();
