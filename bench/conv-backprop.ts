// Milliseconds per call of the project's WASM conv gradient kernels next to the forward conv on the
// same shapes (ResNet-20-like layers at batch 128, EfficientNet-like depthwise layers), tfjs's own
// WASM Conv2DBackpropInput that the project replaces, and a small CNN's training step in images/s.
// Times are medians (the machine may be shared), after one warm-up call.
//
// Run: npx tsx bench/conv-backprop.ts [--batch 128] [--reps 7]
import { parseArgs } from 'node:util';
import { tf } from '../src/engine/tf.js';
import { initEngine } from '../src/engine/backend.js';
import { originalWasmConv2DBackpropInput } from '../src/engine/kernels/index.js';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '128' }, reps: { type: 'string', default: '7' } } });
const batch = Number(values.batch);
const reps = Number(values.reps);

const engine = await initEngine({ backend: 'wasm' });
console.log(`backend ${engine.tfBackend}, simd ${engine.simd}, threads ${engine.threads}, batch ${batch}, median of ${reps} calls`);

/** Median ms per call of `run`, whose result is disposed each time. */
function msPerCall(run: () => tf.TensorInfo | tf.Tensor | tf.Tensor[]): number {
  const once = () => {
    const out = run();
    if (Array.isArray(out)) tf.dispose(out);
    else if (out instanceof tf.Tensor) out.dispose();
    else tf.backend().disposeData(out.dataId);
  };
  once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    once();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const fmt = (ms: number) => ms.toFixed(1).padStart(8);
const ratio = (ms: number, base: number) => `${(ms / base).toFixed(2)}x`.padStart(7);

console.log('\ndense conv, pad same              forward  filter-grad (ratio)  input-grad (ratio)  tfjs input-grad (ratio)');
// [size, in channels, out channels, stride, kernel]
const denseShapes: Array<[number, number, number, number, number]> = [
  [32, 16, 16, 1, 3],
  [32, 16, 32, 2, 3],
  [16, 32, 32, 1, 3],
  [16, 32, 64, 2, 3],
  [8, 64, 64, 1, 3],
  [28, 16, 16, 1, 3],
  [28, 16, 32, 2, 3],
  [14, 32, 32, 1, 3],
  [14, 32, 64, 2, 3],
  [7, 64, 64, 1, 3],
  [32, 16, 32, 2, 1],
  [16, 96, 24, 1, 1],
];
for (const [size, ci, co, stride, k] of denseShapes) {
  const x = tf.randomNormal([batch, size, size, ci]) as tf.Tensor4D;
  const w = tf.randomNormal([k, k, ci, co]) as tf.Tensor4D;
  const y = tf.conv2d(x, w, stride, 'same');
  const dy = tf.randomNormal(y.shape);
  const common = { strides: stride, pad: 'same', dataFormat: 'NHWC' };
  const forward = msPerCall(() => tf.conv2d(x, w, stride, 'same'));
  const filterGrad = msPerCall(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: w.shape }) as tf.Tensor);
  const inputGrad = msPerCall(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...common, inputShape: x.shape }) as tf.Tensor);
  const original = originalWasmConv2DBackpropInput();
  const tfjsInput = original
    ? msPerCall(() => original.kernelFunc({ inputs: { dy, filter: w }, backend: tf.backend(), attrs: { ...common, inputShape: x.shape } }) as tf.TensorInfo)
    : NaN;
  console.log(
    `${size}x${size}x${ci} -> ${co} ${k}x${k} stride ${stride}`.padEnd(32) +
      `${fmt(forward)} ${fmt(filterGrad)} ${ratio(filterGrad, forward)} ${fmt(inputGrad)} ${ratio(inputGrad, forward)} ${fmt(tfjsInput)} ${ratio(tfjsInput, forward)}`,
  );
  tf.dispose([x, w, y, dy]);
}

console.log('\ndepthwise, pad same                forward  filter-grad (ratio)  input-grad (ratio)');
// [size, channels, kernel, stride]
const depthwiseShapes: Array<[number, number, number, number]> = [
  [32, 32, 3, 1],
  [16, 96, 3, 1],
  [32, 96, 3, 2],
  [8, 240, 5, 1],
  [16, 144, 5, 2],
];
for (const [size, c, k, stride] of depthwiseShapes) {
  const x = tf.randomNormal([batch, size, size, c]) as tf.Tensor4D;
  const w = tf.randomNormal([k, k, c, 1]) as tf.Tensor4D;
  const y = tf.depthwiseConv2d(x, w, stride, 'same');
  const dy = tf.randomNormal(y.shape);
  const common = { strides: stride, pad: 'same', dilations: 1 };
  const forward = msPerCall(() => tf.depthwiseConv2d(x, w, stride, 'same'));
  const filterGrad = msPerCall(
    () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: w.shape }) as tf.Tensor,
  );
  const inputGrad = msPerCall(
    () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...common, inputShape: x.shape }) as tf.Tensor,
  );
  console.log(
    `${size}x${size}x${c} k${k} stride ${stride}`.padEnd(32) +
      `${fmt(forward)} ${fmt(filterGrad)} ${ratio(filterGrad, forward)} ${fmt(inputGrad)} ${ratio(inputGrad, forward)}`,
  );
  tf.dispose([x, w, y, dy]);
}

// A small CNN on 32x32x3: conv 3->16, conv 16->32 stride 2, conv 32->64 stride 2 (3x3, relu), global
// average pool, dense 64->10, softmax cross-entropy. One step = forward + gradients of every weight.
{
  const x = tf.randomNormal([batch, 32, 32, 3]) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const weights = [
    tf.variable(tf.randomNormal([3, 3, 3, 16], 0, 0.1)),
    tf.variable(tf.randomNormal([3, 3, 16, 32], 0, 0.1)),
    tf.variable(tf.randomNormal([3, 3, 32, 64], 0, 0.1)),
    tf.variable(tf.randomNormal([64, 10], 0, 0.1)),
  ];
  const [w1, w2, w3, dense] = weights as [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R2>];
  const loss = () => {
    const h1 = tf.relu(tf.conv2d(x, w1, 1, 'same'));
    const h2 = tf.relu(tf.conv2d(h1, w2, 2, 'same'));
    const h3 = tf.relu(tf.conv2d(h2, w3, 2, 'same'));
    return tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.mean(h3, [1, 2]), dense)) as tf.Scalar;
  };
  const stepMs = () =>
    msPerCall(() => {
      const { value, grads } = tf.variableGrads(loss);
      return [value, ...Object.values(grads)];
    });
  const report = (label: string, ms: number) => console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms = ${((batch * 1000) / ms).toFixed(0)} images/s`);
  console.log('\nsmall CNN training step (forward + gradients of all weights)');
  report('project kernels', stepMs());
  // The same step with tfjs's own Conv2DBackpropInput swapped back in, for the difference it makes.
  const ours = tf.getKernel('Conv2DBackpropInput', 'wasm');
  const original = originalWasmConv2DBackpropInput();
  if (ours && original) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(original);
    report("with tfjs's own Conv2DBackpropInput", stepMs());
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(ours);
  }
  tf.dispose([x, labels, ...weights]);
}
