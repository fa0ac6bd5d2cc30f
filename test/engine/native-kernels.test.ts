// The native (oneDNN) kernels that run on the WASM heap, against the cpu backend and float64 loops,
// on the same geometries as the WASM kernels (kernel-cases.ts). Without a built addon these tests
// skip, except under CI, where scripts/setup.sh builds it and a missing addon is a failure.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine, type EngineInfo } from '../../src/engine/backend.js';
import { loadNativeKernels, type NativeAddon } from '../../src/engine/native.js';
import { NATIVE_KERNEL_NAMES, nativeKernelsInstalled } from '../../src/engine/kernels/native_kernels.js';
import { asWasmBackend } from '../../src/engine/kernels/wasm_backend.js';
import { FUSED_ACTIVATION_KERNELS } from '../../src/engine/kernels/native_activations.js';
import {
  TOLERANCE,
  type Case,
  type Data,
  relativeError,
  randomData,
  runOn,
  shapes,
  grid,
  EDGE_CASES,
  NCHW_CASES,
  dataFormat,
  failures,
  denseFilterErrors,
  denseInputErrors,
  undilated,
  dilated,
  depthwiseErrors,
} from './kernel-cases.js';

let engine: EngineInfo;
let addon: NativeAddon | undefined;
const status = loadNativeKernels();
const skip = status.loaded ? false : `native kernels unavailable: ${status.loaded ? '' : status.reason}`;

before(async () => {
  engine = await initEngine({ backend: 'wasm' });
  if (status.loaded) addon = status.addon;
});

/** Count the addon's calls while `body` runs (the kernels hold the same addon object). */
async function countingCalls<T>(body: () => Promise<T>): Promise<{ result: T; conv: number; byKind: number[]; matmul: number }> {
  const a = addon!;
  const conv = a.conv2d;
  const matmul = a.matmul;
  let convCalls = 0;
  let matmulCalls = 0;
  const byKind = [0, 0, 0];
  a.conv2d = (...args) => (convCalls++, byKind[args[0]]!++, conv.apply(a, args));
  a.matmul = (...args) => (matmulCalls++, matmul.apply(a, args));
  try {
    const result = await body();
    return { result, conv: convCalls, byKind, matmul: matmulCalls };
  } finally {
    a.conv2d = conv;
    a.matmul = matmul;
  }
}

test('CI builds the native kernels (scripts/setup.sh), so they are tested there', { skip: !process.env.CI }, () => {
  assert.ok(status.loaded, `native kernels did not load under CI: ${status.loaded ? '' : status.reason}`);
});

test('the engine reports the native kernels it installed', { skip }, () => {
  const expected = [...NATIVE_KERNEL_NAMES, ...FUSED_ACTIVATION_KERNELS];
  assert.deepEqual(engine.nativeKernels?.kernels, expected);
  assert.deepEqual(nativeKernelsInstalled(), expected);
  assert.match(engine.nativeKernels!.oneDnn, /^\d+\.\d+\.\d+$/);
  assert.ok(engine.nativeKernels!.threads >= 1);
});

type ForwardKernel = 'Conv2D' | 'FusedConv2D' | 'DepthwiseConv2dNative' | 'FusedDepthwiseConv2D';

async function forwardErrors(cases: Case[], kernel: ForwardKernel, fused: { bias?: boolean; activation?: string } = {}) {
  const results = [];
  for (const cs of cases) {
    const { xShape, filterShape, dyShape } = shapes(cs, kernel.includes('Depthwise'));
    const outChannels = cs.nchw ? dyShape[1]! : dyShape[3]!;
    const inputs: Record<string, Data> = { x: randomData(xShape), filter: randomData(filterShape) };
    if (fused.bias) inputs.bias = randomData([outChannels]);
    const attrs = { strides: cs.strides, pad: cs.pad, dataFormat: dataFormat(cs), dimRoundingMode: cs.dimRoundingMode, dilations: cs.dilations, activation: fused.activation ?? 'linear' };
    const actual = await runOn('wasm', kernel, inputs, attrs);
    const expected = await runOn('cpu', kernel, inputs, attrs);
    assert.deepEqual(actual.shape, expected.shape, cs.label);
    results.push({ label: `${kernel} ${JSON.stringify(fused)} ${cs.label}`, error: relativeError(actual.values, expected.values) });
  }
  return results;
}

// tfjs refuses strides > 1 together with dilations > 1 in its ops; the cpu forward kernel honours both.
const forwardCases = [...grid(), ...EDGE_CASES];

test('Conv2D runs natively and matches the cpu backend (grid incl. dilations, edge cases)', { skip }, async () => {
  const { result, conv } = await countingCalls(() => forwardErrors(forwardCases, 'Conv2D'));
  assert.equal(failures(result), '');
  assert.equal(conv, forwardCases.length, 'every NHWC case ran natively');
});

test('FusedConv2D (linear, bias, bias + relu) runs natively and matches the cpu backend', { skip }, async () => {
  const cases = forwardCases.filter((_, i) => i % 2 === 0);
  const { result, conv } = await countingCalls(async () => [
    ...(await forwardErrors(cases, 'FusedConv2D')),
    ...(await forwardErrors(cases, 'FusedConv2D', { bias: true })),
    ...(await forwardErrors(cases, 'FusedConv2D', { bias: true, activation: 'relu' })),
  ]);
  assert.equal(failures(result), '');
  assert.equal(conv, 3 * cases.length);
});

test('FusedConv2D with other activations falls back to the WASM kernel, still correct', { skip }, async () => {
  // (Not the 'ceil' rounding case: tfjs's own WASM FusedConv2D gets that one wrong; the native one does not.)
  const cases = EDGE_CASES.filter((c) => c.dimRoundingMode === undefined).slice(0, 4);
  const { result, conv } = await countingCalls(() => forwardErrors(cases, 'FusedConv2D', { bias: true, activation: 'elu' }));
  assert.equal(failures(result), '');
  assert.equal(conv, 0, 'nothing went to the native kernels');
});

test('Conv2DBackpropFilter runs natively and matches the cpu backend and float64 loops (dilated)', { skip }, async () => {
  const plain = [...undilated(grid()), ...undilated(EDGE_CASES)];
  const atrous = dilated([...grid(), ...EDGE_CASES]);
  const { result, byKind } = await countingCalls(async () => [
    ...(await denseFilterErrors([...plain, ...NCHW_CASES], 'cpu')),
    ...(await denseFilterErrors(atrous, 'float64')),
  ]);
  assert.equal(failures(result), '');
  // NCHW falls back to the WASM kernel (which may itself run forward convolutions natively).
  assert.equal(byKind[2], plain.length + atrous.length, 'NHWC cases ran as native filter gradients');
});

test('Conv2DBackpropInput runs natively and matches the cpu backend and float64 loops (dilated)', { skip }, async () => {
  const plain = [...undilated(grid()), ...undilated(EDGE_CASES)];
  const atrous = dilated([...grid(), ...EDGE_CASES]);
  const { result, byKind } = await countingCalls(async () => [
    ...(await denseInputErrors([...plain, ...NCHW_CASES], 'cpu')),
    ...(await denseInputErrors(atrous, 'float64')),
  ]);
  assert.equal(failures(result), '');
  assert.equal(byKind[1], plain.length + atrous.length, 'NHWC cases ran as native input gradients');
});

// tfjs's depthwise ops refuse strides > 1 with dilations > 1; its cpu kernels then ignore nothing.
const depthwiseForwardCases = (multiplier: number) =>
  [...grid(), ...EDGE_CASES].filter((c) => !(c.strides[0] > 1 && c.dilations[0] > 1)).map((c) => ({ ...c, out: multiplier, label: `${c.label} x${multiplier}` }));

test('DepthwiseConv2dNative and FusedDepthwiseConv2D run natively and match the cpu backend (multiplier 1 and 2)', { skip }, async () => {
  const cases = [...depthwiseForwardCases(1), ...depthwiseForwardCases(2)];
  const { result, byKind } = await countingCalls(async () => [
    ...(await forwardErrors(cases, 'DepthwiseConv2dNative')),
    ...(await forwardErrors(cases.filter((_, i) => i % 3 === 0), 'FusedDepthwiseConv2D', { bias: true, activation: 'relu' })),
  ]);
  assert.equal(failures(result), '');
  assert.equal(byKind[0], cases.length + cases.filter((_, i) => i % 3 === 0).length);
});

test('depthwise input gradients run natively (filter gradients stay in WASM) and match the cpu backend / float64 loops', { skip }, async () => {
  const plain = undilated([...grid(), ...EDGE_CASES]);
  const atrous = dilated([...grid(), ...EDGE_CASES]);
  const { result, byKind } = await countingCalls(async () => [
    ...(await depthwiseErrors(plain, 'filter', 'cpu')),
    ...(await depthwiseErrors(plain, 'input', 'cpu')),
    ...(await depthwiseErrors(atrous, 'filter', 'float64')),
    ...(await depthwiseErrors(atrous, 'input', 'float64')),
  ]);
  assert.equal(failures(result), '');
  // Two multipliers per case.
  assert.equal(byKind[2], 0, 'depthwise filter gradients stay with the WASM kernel (faster there)');
  assert.equal(byKind[1], 2 * (plain.length + atrous.length), 'input gradients ran natively');
});

test('BatchMatMul: transposes, batches and broadcasting against the cpu backend', { skip }, async () => {
  const cases: Array<{ a: number[]; b: number[]; transposeA: boolean; transposeB: boolean; native: boolean }> = [
    { a: [3, 4, 5], b: [3, 5, 2], transposeA: false, transposeB: false, native: true },
    { a: [3, 5, 4], b: [3, 5, 2], transposeA: true, transposeB: false, native: true },
    { a: [3, 4, 5], b: [3, 2, 5], transposeA: false, transposeB: true, native: true },
    { a: [2, 5, 4], b: [2, 6, 5], transposeA: true, transposeB: true, native: true },
    { a: [1, 4, 5], b: [3, 5, 2], transposeA: false, transposeB: false, native: true },
    { a: [3, 4, 5], b: [5, 2], transposeA: false, transposeB: false, native: true },
    { a: [2, 3, 4, 5], b: [2, 3, 5, 6], transposeA: false, transposeB: false, native: true },
    { a: [1, 1000], b: [1000, 7], transposeA: false, transposeB: false, native: true }, // batch-norm column sums
    { a: [2, 1, 4, 5], b: [1, 3, 5, 6], transposeA: false, transposeB: false, native: false }, // two-sided broadcast
  ];
  for (const cs of cases) {
    const inputs = { a: randomData(cs.a), b: randomData(cs.b) };
    const attrs = { transposeA: cs.transposeA, transposeB: cs.transposeB };
    const { result: actual, matmul } = await countingCalls(() => runOn('wasm', 'BatchMatMul', inputs, attrs));
    const expected = await runOn('cpu', 'BatchMatMul', inputs, attrs);
    const label = JSON.stringify(cs);
    assert.deepEqual(actual.shape, expected.shape, label);
    assert.ok(relativeError(actual.values, expected.values) <= TOLERANCE, `${label}: ${relativeError(actual.values, expected.values)}`);
    assert.equal(matmul, cs.native ? 1 : 0, `${label}: native calls`);
  }
});

test('native kernels leave only their output behind (tensors and WASM data ids)', { skip }, async () => {
  await tf.setBackend('wasm');
  const backend = asWasmBackend(tf.backend());
  const cs = grid()[9]!;
  const { xShape, filterShape, dyShape } = shapes(cs, false);
  const x = tf.tensor(randomData(xShape).values, xShape);
  const dy = tf.tensor(randomData(dyShape).values, dyShape);
  const filter = tf.tensor(randomData(filterShape).values, filterShape);
  const common = { strides: cs.strides, pad: cs.pad, dilations: cs.dilations, dataFormat: 'NHWC' };
  const calls: Array<[string, tf.NamedTensorMap, object]> = [
    ['Conv2D', { x, filter }, common],
    ['FusedConv2D', { x, filter }, { ...common, activation: 'relu' }],
    ['Conv2DBackpropFilter', { x, dy }, { ...common, filterShape }],
    ['Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: xShape }],
    ['BatchMatMul', { a: tf.reshape(x, [1, -1, xShape[3]!]), b: tf.ones([1, xShape[3]!, 3]) }, {}],
  ];
  for (const [kernel, inputs, attrs] of calls) {
    tf.dispose(tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor);
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = backend.numDataIds();
    const out = tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
    assert.equal(backend.numDataIds(), dataBefore + 1, `${kernel}: only the output is left`);
    out.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, `${kernel}: tensors`);
  }
  tf.dispose([x, dy, filter, ...Object.values(calls[4]![1])]);
});

test('end to end: gradients of conv -> relu -> conv (stride 2) -> matmul agree with the cpu backend', { skip }, async () => {
  const x = randomData([4, 9, 9, 3]);
  const w1 = randomData([3, 3, 3, 8]);
  const w2 = randomData([3, 3, 8, 4]);
  const w3 = randomData([4, 5]);
  const gradsOn = async (backend: 'wasm' | 'cpu') => {
    await tf.setBackend(backend);
    const xs = [x, w1, w2, w3].map((d) => tf.tensor(d.values, d.shape));
    const loss = (xt: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const h = tf.conv2d(tf.relu(tf.conv2d(xt as tf.Tensor4D, a as tf.Tensor4D, 1, 'same')), b as tf.Tensor4D, 2, 'same');
      return tf.mean(tf.square(tf.matMul(tf.reshape(h, [-1, 4]), c as tf.Tensor2D)));
    };
    const grads = tf.grads(loss)(xs);
    const values = grads.map((g) => (g.dataSync() as Float32Array).slice());
    tf.dispose([...xs, ...grads]);
    return values;
  };
  const { result: wasm, conv, matmul } = await countingCalls(() => gradsOn('wasm'));
  assert.ok(conv >= 5 && matmul >= 2, `native calls: conv ${conv}, matmul ${matmul}`);
  const cpu = await gradsOn('cpu');
  ['x', 'filter 1', 'filter 2', 'dense'].forEach((name, i) => {
    assert.ok(cpu[i]!.some((v) => v !== 0), `${name}: the reference gradient is not all zero`);
    assert.ok(relativeError(wasm[i]!, cpu[i]!) <= TOLERANCE, `${name}: ${relativeError(wasm[i]!, cpu[i]!)}`);
  });
});

test('one and two threads give the same filter gradient (to rounding)', { skip }, async () => {
  const a = addon!;
  const cs: Case = { label: 'threads', n: 16, h: 16, w: 16, c: 16, out: 32, kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pad: 'same' };
  const before = a.threads();
  try {
    a.setThreads(1);
    const one = await denseFilterErrors([cs], 'cpu');
    a.setThreads(2);
    const two = await denseFilterErrors([cs], 'cpu');
    assert.equal(failures([...one, ...two]), '');
  } finally {
    a.setThreads(before);
  }
});

test('the addon refuses tensors outside the heap and malformed parameters, naming the problem', { skip }, () => {
  const a = addon!;
  const heap = new ArrayBuffer(1024);
  const params = new Int32Array([1, 4, 4, 2, 3, 3, 2, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1]);
  assert.throws(() => a.conv2d(0, heap, 0, 128, 1000, -1, params), /conv2d: a tensor lies outside the WASM heap/);
  assert.throws(() => a.conv2d(0, heap, 2, 128, 256, -1, params), /outside the WASM heap/, 'unaligned offset');
  assert.throws(() => a.conv2d(0, heap, 0, 128, 256, -1, new Int32Array(3)), /params must be an Int32Array of 19/);
  assert.throws(() => a.conv2d(3 as 0, heap, 0, 128, 256, -1, params), /kind must be 0, 1 or 2/);
  const badGroups = params.slice();
  badGroups[18] = 3; // does not divide C = 2
  assert.throws(() => a.conv2d(0, heap, 0, 128, 256, -1, badGroups), /groups dividing C and CO/);
  assert.throws(() => a.matmul(heap, 0, 0, 0, new Int32Array([1, 1, 100, 100, 100, 0, 0])), /matmul: a tensor lies outside the WASM heap/);
  assert.throws(() => a.matmul(heap, 0, 0, 0, new Int32Array([2, 3, 1, 1, 1, 0, 0])), /batches must match or one must be 1/);
  assert.throws(() => a.setThreads(0), /positive integer/);
  const ashParams = new Float64Array([2, 8, 1, 0, 1, 1e-5]);
  assert.throws(() => a.ashForward(heap, 0, 64, 1020, ashParams), /ashForward: a tensor lies outside the WASM heap/);
  assert.throws(() => a.ashForward(heap, 0, 64, 128, new Float64Array([2, 8, 0.5, 0, 1, 1e-5])), /positive integer B, N, C/);
  assert.throws(() => a.ashBackward(heap, 0, 64, 128, 256, new Float64Array(3)), /ashBackward\(heap, dy, x, stats, dx/);
  assert.throws(() => a.batchNormForward(heap, 0, 0, 0, 0, 0, new Float64Array([1000, 4, 1e-5])), /batchNormForward: a tensor lies outside/);
  assert.throws(() => a.batchNormBackward(heap, 0, 0, 0, 0, 0, 0, 0, new Float64Array([0, 4, 0])), /positive integer M, C/);
  assert.throws(() => a.swish(0, heap, 0, 0, 1000, 64, 1), /swish: a tensor lies outside the WASM heap/);
  // A well-formed call on a plain buffer runs: 4x4x2 input, 3x3 filter of ones, 'same' -> window sums.
  const floats = new Float32Array(heap);
  floats.fill(0);
  floats.fill(1, 0, 32); // x: 32 ones
  floats.fill(1, 32, 32 + 36); // w: 3*3*2*2 ones
  assert.equal(a.conv2d(0, heap, 0, 128, 512, -1, params), true);
  const y = floats.subarray(128, 128 + 32);
  // Corner pixels see 2x2 positions x 2 channels = 8; edges 12; the centre 18.
  assert.deepEqual([y[0], y[2], y[10], y[30]], [8, 12, 18, 8]);
});
