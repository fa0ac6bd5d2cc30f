// The project's WASM training kernels against the cpu backend (same kernel, same inputs) and, where
// the cpu backend has no answer (dilated dense-conv gradients), against float64 loops.
//
// Error measure: max|wasm - reference| / max(1, max|reference|), i.e. absolute error for small
// gradients and relative error for large ones; it must stay <= 1e-4.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { originalWasmConv2DBackpropInput, registerWasmTrainingKernels } from '../../src/engine/kernels/index.js';
import { filterGradient } from '../../src/engine/kernels/dense_filter_gradient.js';
import { pointwiseFilterGradient } from '../../src/engine/kernels/pointwise_filter_gradient.js';
import { depthwiseFilterGradient } from '../../src/engine/kernels/depthwise_filter_gradient.js';
import { loadRowAccumulate, rowAccumulateJS } from '../../src/engine/kernels/simd_row_accumulate.js';
import { fastDepthwiseWindow } from '../../src/engine/kernels/input_gradient.js';
import { planAxis } from '../../src/engine/kernels/subpixel_plan.js';
import { asWasmBackend, heapF32 } from '../../src/engine/kernels/wasm_backend.js';
import { referenceFilterGradient } from './conv-reference.js';
import {
  TOLERANCE,
  type Case,
  type Data,
  relativeError,
  randomData,
  runOn,
  shapes,
  geometry,
  grid,
  EDGE_CASES,
  NCHW_CASES,
  dataFormat,
  failures,
  denseFilterErrors,
  denseInputErrors,
  depthwiseErrors,
  undilated,
  dilated,
} from './kernel-cases.js';

before(async () => {
  // The WASM kernels themselves: the native ones (native-kernels.test.ts) would otherwise replace them.
  await initEngine({ backend: 'wasm', nativeKernels: false });
});

test('Conv2DBackpropFilter matches the cpu backend (grid, edge cases, NCHW)', async () => {
  const results = await denseFilterErrors([...undilated(grid()), ...undilated(EDGE_CASES), ...NCHW_CASES], 'cpu');
  assert.equal(failures(results), '');
});

test('Conv2DBackpropFilter with dilations matches float64 loops (the cpu kernel ignores dilations)', async () => {
  // The float64 loops are first checked against the cpu backend where both apply.
  const sanity = grid().slice(0, 4);
  for (const cs of sanity) {
    const { xShape, filterShape, dyShape, info } = shapes(cs, false);
    const x = randomData(xShape);
    const dy = randomData(dyShape);
    const cpu = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { strides: cs.strides, pad: cs.pad, dataFormat: 'NHWC', filterShape });
    assert.ok(relativeError(referenceFilterGradient(geometry(info), x.values, dy.values), cpu.values) < 1e-5, cs.label);
  }
  const results = await denseFilterErrors(dilated([...grid(), ...EDGE_CASES]), 'float64');
  assert.ok(results.length >= 6);
  assert.equal(failures(results), '');
});

test('Conv2DBackpropInput (replaced) matches the cpu backend (grid, edge cases, NCHW)', async () => {
  assert.ok(originalWasmConv2DBackpropInput(), 'the replacement is installed');
  const results = await denseInputErrors([...undilated(grid()), ...undilated(EDGE_CASES), ...NCHW_CASES], 'cpu');
  assert.equal(failures(results), '');
});

test('Conv2DBackpropInput with dilations matches float64 loops', async () => {
  const results = await denseInputErrors(dilated([...grid(), ...EDGE_CASES]), 'float64');
  assert.equal(failures(results), '');
});

test('DepthwiseConv2dNativeBackpropFilter matches the cpu backend (multiplier 1 and 2)', async () => {
  const results = await depthwiseErrors(undilated([...grid(), ...EDGE_CASES]), 'filter', 'cpu');
  assert.equal(failures(results), '');
});

test('DepthwiseConv2dNativeBackpropInput matches the cpu backend (multiplier 1 and 2)', async () => {
  const results = await depthwiseErrors(undilated([...grid(), ...EDGE_CASES]), 'input', 'cpu');
  assert.equal(failures(results), '');
});

test('depthwise gradients with dilations match float64 loops (the cpu kernels ignore dilations)', async () => {
  // The loops agree with the kernels, hence with the cpu backend (tests above), without dilations...
  const plainCases = undilated(grid()).slice(0, 3);
  const plain = [...(await depthwiseErrors(plainCases, 'filter', 'float64')), ...(await depthwiseErrors(plainCases, 'input', 'float64'))];
  assert.equal(failures(plain), '');
  // ...and the kernels agree with the loops with them.
  const filter = await depthwiseErrors(dilated([...grid(), ...EDGE_CASES]), 'filter', 'float64');
  const input = await depthwiseErrors(dilated([...grid(), ...EDGE_CASES]), 'input', 'float64');
  assert.ok(filter.length >= 10);
  assert.equal(failures([...filter, ...input]), '');
});

test('the filter gradient summed over uneven batch chunks matches the cpu backend', async () => {
  await tf.setBackend('wasm');
  const cs: Case = { label: 'chunked', n: 8, h: 9, w: 7, c: 3, out: 4, kh: 3, kw: 3, strides: [2, 2], dilations: [1, 1], pad: 'same' };
  const { xShape, filterShape, dyShape, info } = shapes(cs, false);
  const x = randomData(xShape);
  const dy = randomData(dyShape);
  const expected = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { strides: cs.strides, pad: cs.pad, dataFormat: 'NHWC', filterShape });
  await tf.setBackend('wasm');
  const backend = asWasmBackend(tf.backend());
  const xt = tf.tensor(x.values, x.shape);
  const dyt = tf.tensor(dy.values, dy.shape);
  for (const chunk of [1, 3, 5]) {
    const out = tf.engine().makeTensorFromTensorInfo(filterGradient(backend, xt, dyt, info, chunk));
    assert.ok(relativeError(out.dataSync(), expected.values) <= TOLERANCE, `chunk ${chunk}`);
    out.dispose();
  }
  tf.dispose([xt, dyt]);
});

test('the 1x1 filter gradient summed over uneven pixel chunks matches the cpu backend', async () => {
  for (const cs of [EDGE_CASES[6], EDGE_CASES[8], { ...EDGE_CASES[6], label: '1x1 stride 1', strides: [1, 1] as [number, number] }]) {
    const { xShape, filterShape, dyShape, info } = shapes(cs, false);
    const x = randomData(xShape);
    const dy = randomData(dyShape);
    const expected = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { strides: cs.strides, pad: cs.pad, dataFormat: 'NHWC', filterShape });
    await tf.setBackend('wasm');
    const xt = tf.tensor(x.values, x.shape);
    const dyt = tf.tensor(dy.values, dy.shape);
    for (const chunk of [1, 7, 1000]) {
      const out = tf.engine().makeTensorFromTensorInfo(pointwiseFilterGradient(asWasmBackend(tf.backend()), xt, dyt, info, chunk));
      assert.deepEqual(out.shape, filterShape);
      assert.ok(relativeError(out.dataSync(), expected.values) <= TOLERANCE, `${cs.label}, chunk ${chunk}`);
      out.dispose();
    }
    tf.dispose([xt, dyt]);
  }
});

test('the SIMD row kernel loads here and matches its JS twin, channel tails included', async () => {
  await tf.setBackend('wasm');
  const backend = asWasmBackend(tf.backend());
  const simd = loadRowAccumulate(backend.wasm.asm?.memory);
  assert.ok(simd, 'WASM SIMD is available in Node 20, so the fast path must load');
  const scratch = tf.tensor(randomData([2, 4096]).values, [2, 4096]); // row 0: inputs, row 1: two accumulators
  const base = backend.dataIdMap.get(scratch.dataId).memoryOffset / 4;
  const heap = heapF32(backend, scratch);
  for (const [channels, count, xStep, dyStep] of [[1, 5, 3, 1], [4, 7, 8, 4], [7, 3, 14, 9], [9, 6, 18, 9], [16, 4, 16, 20]]) {
    const [accSimd, accJs] = [base + 4096, base + 4096 + 64];
    heap.fill(0.5, 4096, 4096 + 128);
    simd(accSimd, base, base + 1000, channels, count, xStep, dyStep);
    rowAccumulateJS(backend.wasm.HEAPF32)(accJs, base, base + 1000, channels, count, xStep, dyStep);
    const fromSimd = heap.subarray(4096, 4096 + channels);
    const fromJs = heap.subarray(4096 + 64, 4096 + 64 + channels);
    assert.ok(relativeError(fromSimd, fromJs) < 1e-6, `channels ${channels}`);
    // Nothing past the accumulator row is touched.
    assert.ok(heap.subarray(4096 + channels, 4096 + 64).every((v) => v === 0.5), `channels ${channels}: tail untouched`);
  }
  scratch.dispose();
});

test('the depthwise filter gradient without SIMD (JS fallback) matches the cpu backend', async () => {
  const results = [];
  const plain = undilated(grid()); // k1 s1 same, k1 s1 valid, k1 s2 same, ..., k3 s1 same at 4
  for (const base of [plain[4], plain[7], plain[10], EDGE_CASES[3]]) {
    for (const multiplier of [1, 2]) {
      const cs = { ...base, out: multiplier };
      const { xShape, filterShape, dyShape, info } = shapes(cs, true);
      const x = randomData(xShape);
      const dy = randomData(dyShape);
      const attrs = { strides: cs.strides, dilations: [1, 1], pad: cs.pad, filterShape };
      const expected = await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs);
      await tf.setBackend('wasm');
      const xt = tf.tensor(x.values, x.shape);
      const dyt = tf.tensor(dy.values, dy.shape);
      const out = tf.engine().makeTensorFromTensorInfo(depthwiseFilterGradient(asWasmBackend(tf.backend()), xt, dyt, info, false));
      results.push({ label: `${base.label} x${multiplier}`, error: relativeError(out.dataSync(), expected.values) });
      tf.dispose([xt, dyt, out]);
    }
  }
  assert.equal(failures(results), '');
});

test('kernels free every intermediate: tensor and WASM data counts are unchanged', async () => {
  await tf.setBackend('wasm');
  const backend = asWasmBackend(tf.backend());
  const calls: Array<[string, Case, boolean]> = [
    ['Conv2DBackpropFilter', grid()[9], false],
    ['Conv2DBackpropFilter', NCHW_CASES[1], false],
    ['Conv2DBackpropFilter', EDGE_CASES[0], false],
    ['Conv2DBackpropFilter', EDGE_CASES[8], false], // 1x1: the matrix-product path
    ['Conv2DBackpropInput', grid()[9], false],
    ['Conv2DBackpropInput', NCHW_CASES[1], false],
    ['Conv2DBackpropInput', EDGE_CASES[3], false],
    ['DepthwiseConv2dNativeBackpropFilter', { ...grid()[9], out: 2 }, true],
    ['DepthwiseConv2dNativeBackpropInput', { ...grid()[9], out: 2 }, true],
    ['DepthwiseConv2dNativeBackpropInput', { ...grid()[2], out: 1 }, true],
  ];
  for (const [kernel, cs, depthwise] of calls) {
    const { xShape, filterShape, dyShape } = shapes(cs, depthwise);
    const x = tf.tensor(randomData(xShape).values, xShape);
    const dy = tf.tensor(randomData(dyShape).values, dyShape);
    const filter = tf.tensor(randomData(filterShape).values, filterShape);
    const attrs = { strides: cs.strides, pad: cs.pad, dilations: cs.dilations, dataFormat: dataFormat(cs), filterShape, inputShape: xShape };
    const inputs: tf.NamedTensorMap = kernel.endsWith('Filter') ? { x, dy } : { dy, filter };
    // First call outside the count: XNNPACK operators and tfjs bookkeeping may be created lazily.
    tf.dispose(tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = backend.numDataIds();
    const out = tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.equal(backend.numDataIds(), dataBefore + 1, `${kernel} ${cs.label}: only the output is left`);
    out.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, `${kernel} ${cs.label}: tensors`);
    assert.equal(backend.numDataIds(), dataBefore, `${kernel} ${cs.label}: WASM data ids`);
    tf.dispose([x, dy, filter]);
  }
});

test('end to end: gradients of conv -> relu -> depthwise -> mean agree between wasm and cpu', async () => {
  const x = randomData([2, 9, 9, 3]);
  const w1 = randomData([3, 3, 3, 4]);
  const w2 = randomData([3, 3, 4, 2]);
  const gradsOn = async (backend: 'wasm' | 'cpu') => {
    await tf.setBackend(backend);
    const xs = [x, w1, w2].map((d) => tf.tensor(d.values, d.shape));
    const loss = (xt: tf.Tensor, a: tf.Tensor, b: tf.Tensor) =>
      tf.mean(tf.depthwiseConv2d(tf.relu(tf.conv2d(xt as tf.Tensor4D, a as tf.Tensor4D, 2, 'same')), b as tf.Tensor4D, 1, 'valid'));
    const grads = tf.grads(loss)(xs);
    const values = grads.map((g) => (g.dataSync() as Float32Array).slice());
    tf.dispose([...xs, ...grads]);
    return values;
  };
  const wasm = await gradsOn('wasm');
  const cpu = await gradsOn('cpu');
  ['x', 'conv filter', 'depthwise filter'].forEach((name, i) => {
    assert.ok(cpu[i].some((v) => v !== 0), `${name}: the reference gradient is not all zero`);
    assert.ok(relativeError(wasm[i], cpu[i]) <= TOLERANCE, `${name}: ${relativeError(wasm[i], cpu[i])}`);
  });
});

test('planAxis: hand-computed sub-pixel plans', () => {
  // 3 taps, stride 2, pad 1, 8 -> 4 rows. Even rows h = 2i: only tap 1 reaches them (2i = o*2 + 1 - 1
  // at o = i), offset 0. Odd rows h = 2i+1: tap 0 from dy[i+1] and tap 2 from dy[i].
  const p = planAxis(8, 4, 3, 2, 1, 1);
  assert.equal(p.outPerPhase, 4);
  assert.equal(p.dilation, 1);
  assert.deepEqual(p.phases[0], { taps: 1, padBefore: 0, padAfter: 0, entries: [{ k: 1, tap: 0 }] });
  // Odd phase: offsets 0 (tap 2) and 1 (tap 0); output row 3 reads dy[4], one past the end.
  assert.deepEqual(p.phases[1], { taps: 2, padBefore: 0, padAfter: 1, entries: [{ k: 0, tap: 1 }, { k: 2, tap: 0 }] });
  // Stride 1, dilation 2, 'same' (pad 2) for a 3-tap filter: the filter reversed, dilation kept.
  const q = planAxis(7, 7, 3, 1, 2, 2);
  assert.equal(q.dilation, 2);
  assert.deepEqual(q.phases, [{ taps: 3, padBefore: 2, padAfter: 2, entries: [{ k: 0, tap: 2 }, { k: 1, tap: 1 }, { k: 2, tap: 0 }] }]);
  // 1x1 stride 2: odd rows get no tap at all.
  assert.equal(planAxis(7, 4, 1, 2, 1, 0).phases[1].taps, 0);
  // Padding 3 > filter size - 1 (9 -> 5, stride 2). Even rows h = 2i: o*2 + k - 3 = 2i only for
  // k = 1, o = i + 1 (offset 1). Odd rows: k = 0 at offset 2, k = 2 at offset 1. No phase reads dy
  // from offset 0, which padding dy by -1 would express; instead each filter gets a leading zero tap.
  const r = planAxis(9, 5, 3, 2, 1, 3);
  assert.deepEqual(r.phases[0], { taps: 2, padBefore: 0, padAfter: 1, entries: [{ k: 1, tap: 1 }] });
  assert.deepEqual(r.phases[1], { taps: 3, padBefore: 0, padAfter: 2, entries: [{ k: 0, tap: 2 }, { k: 2, tap: 1 }] });
  for (const phase of r.phases) assert.equal(5 + phase.padBefore + phase.padAfter - phase.taps + 1, r.outPerPhase);
});

test('fastDepthwiseWindow pads phase filters only up to a window XNNPACK runs fast (1, 3, 4, 9 or 25 taps)', () => {
  assert.deepEqual(fastDepthwiseWindow(1, 1), [1, 1]);
  assert.deepEqual(fastDepthwiseWindow(1, 3), [1, 3]);
  assert.deepEqual(fastDepthwiseWindow(2, 2), [2, 2]);
  assert.deepEqual(fastDepthwiseWindow(2, 1), [2, 2]);
  assert.deepEqual(fastDepthwiseWindow(3, 2), [3, 3]);
  assert.deepEqual(fastDepthwiseWindow(4, 3), [5, 5]);
  assert.deepEqual(fastDepthwiseWindow(6, 6), [6, 6]); // nothing fast contains it: left as is
});

test('registration is idempotent and keeps the replacement installed', () => {
  const before = tf.getKernel('Conv2DBackpropInput', 'wasm');
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm'), before);
  assert.notEqual(before, originalWasmConv2DBackpropInput());
  for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
    assert.ok(tf.getKernel(name, 'wasm'), name);
  }
});

test('a dy of the wrong shape is refused with the kernel, the input and both shapes named', async () => {
  await tf.setBackend('wasm');
  const x = tf.zeros([1, 7, 7, 2]);
  const dy = tf.zeros([1, 6, 7, 3]);
  assert.throws(
    () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] }),
    /Conv2DBackpropFilter: dy has shape \[1, 6, 7, 3\], expected \[1, 7, 7, 3\]/,
  );
  tf.dispose([x, dy]);
});

test('WASM Identity and same-dtype Cast share data safely', async () => {
  await initEngine({ backend: 'wasm' });
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const x = tf.tensor1d([1, 2, 3]);
  const before = backend.numDataIds();
  const clone = tf.clone(x);
  const same = tf.cast(x, 'float32');
  // No new buffers: both share x's data.
  assert.equal(backend.numDataIds(), before);
  x.dispose();
  assert.deepEqual([...clone.dataSync()], [1, 2, 3]);
  same.dispose();
  assert.deepEqual([...clone.dataSync()], [1, 2, 3]);
  clone.dispose();
  assert.equal(backend.numDataIds(), before - 1);
  // A cast to another dtype still converts.
  const ints = tf.cast(tf.tensor1d([1.7, -2.2]), 'int32');
  assert.deepEqual([...ints.dataSync()], [1, -2]);
  // Gradients through a clone are unchanged.
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.clone(a), a)))(tf.tensor1d([3, -1]));
  assert.deepEqual([...g.dataSync()], [6, -2]);
});
