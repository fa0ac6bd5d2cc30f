// Atrous convolution by space-to-batch: the forward pass equals tfjs's own dilated conv2d (cpu backend), and
// the gradients w.r.t. the input and the filter equal float64 loops, on cpu, WASM, and WASM with the native
// kernels (oneDNN convs) when they are built. tfjs's conv2d cannot give those gradients at all (its Conv2D
// gradient asserts dilation 1), which the first test shows.
//
// The reference: y[n,i,j,o] = sum_{a,b,c} x[n, i + a*r - top, j + b*r - left, c] * f[a,b,c,o] (zero outside x),
// with top/left the 'same' padding of the dilated extent (k-1)*r+1 (or 0 for 'valid'). For L = sum(y * dy),
// dL/dx and dL/df are the same index sums with dy in place of y: exact, no step size to choose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { Rng } from '../../src/engine/random.js';
import { AtrousConv2D, atrousConv2d, type AtrousPadding } from '../../src/models/atrous-conv.js';

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  rate: number;
  padding: AtrousPadding;
}

const CASES: Case[] = [
  { n: 2, h: 7, w: 9, cin: 3, cout: 4, k: 3, rate: 1, padding: 'same' },
  { n: 2, h: 7, w: 9, cin: 3, cout: 4, k: 3, rate: 2, padding: 'same' },
  { n: 1, h: 8, w: 8, cin: 2, cout: 3, k: 3, rate: 2, padding: 'same' },
  { n: 2, h: 13, w: 11, cin: 3, cout: 2, k: 3, rate: 6, padding: 'same' },
  // Rate larger than the map: only the centre tap sees data (DeepLab's ASPP on small feature maps).
  { n: 2, h: 5, w: 4, cin: 2, cout: 2, k: 3, rate: 6, padding: 'same' },
  { n: 1, h: 10, w: 9, cin: 2, cout: 3, k: 2, rate: 3, padding: 'same' },
  { n: 2, h: 11, w: 12, cin: 2, cout: 3, k: 3, rate: 2, padding: 'valid' },
  { n: 1, h: 15, w: 14, cin: 3, cout: 2, k: 3, rate: 6, padding: 'valid' },
];

const label = (c: Case) => `${c.n}x${c.h}x${c.w}x${c.cin} k${c.k} r${c.rate} ${c.padding} -> ${c.cout}`;

function random(size: number, rng: Rng): Float64Array {
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

function geometry(c: Case) {
  const extent = (c.k - 1) * c.rate + 1;
  const oh = c.padding === 'same' ? c.h : c.h - extent + 1;
  const ow = c.padding === 'same' ? c.w : c.w - extent + 1;
  const top = c.padding === 'same' ? Math.floor((extent - 1) / 2) : 0;
  const left = top;
  return { oh, ow, top, left };
}

/** Calls visit(xIndex, fIndex, yIndex) for every product term of the convolution. */
function forEachTerm(c: Case, visit: (xi: number, fi: number, yi: number) => void): void {
  const { oh, ow, top, left } = geometry(c);
  for (let n = 0; n < c.n; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let a = 0; a < c.k; a++) {
          const xr = i + a * c.rate - top;
          if (xr < 0 || xr >= c.h) continue;
          for (let b = 0; b < c.k; b++) {
            const xc = j + b * c.rate - left;
            if (xc < 0 || xc >= c.w) continue;
            for (let ci = 0; ci < c.cin; ci++)
              for (let o = 0; o < c.cout; o++) {
                visit(((n * c.h + xr) * c.w + xc) * c.cin + ci, ((a * c.k + b) * c.cin + ci) * c.cout + o, ((n * oh + i) * ow + j) * c.cout + o);
              }
          }
        }
}

function reference(c: Case, x: Float64Array, f: Float64Array, dy: Float64Array) {
  const { oh, ow } = geometry(c);
  const y = new Float64Array(c.n * oh * ow * c.cout);
  const dx = new Float64Array(x.length);
  const df = new Float64Array(f.length);
  forEachTerm(c, (xi, fi, yi) => {
    y[yi] += x[xi]! * f[fi]!;
    dx[xi] += dy[yi]! * f[fi]!;
    df[fi] += dy[yi]! * x[xi]!;
  });
  return { y, dx, df };
}

function inputs(c: Case, seed: number) {
  const rng = new Rng(seed);
  const { oh, ow } = geometry(c);
  return { x: random(c.n * c.h * c.w * c.cin, rng), f: random(c.k * c.k * c.cin * c.cout, rng), dy: random(c.n * oh * ow * c.cout, rng) };
}

/** max|got - want| / max(1, max|want|). */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let err = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

/** Output, and gradients of sum(y * dy), of atrousConv2d on the current backend. */
function ours(c: Case, data: ReturnType<typeof inputs>) {
  const { oh, ow } = geometry(c);
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(data.x), [c.n, c.h, c.w, c.cin]);
    const f = tf.tensor4d(Float32Array.from(data.f), [c.k, c.k, c.cin, c.cout]);
    const dy = tf.tensor4d(Float32Array.from(data.dy), [c.n, oh, ow, c.cout]);
    const y = atrousConv2d(x, f, c.rate, c.padding);
    const [dx, df] = tf.grads((xs: tf.Tensor, fs: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(xs as tf.Tensor4D, fs as tf.Tensor4D, c.rate, c.padding), dy)))([x, f]);
    assert.deepEqual(y.shape, [c.n, oh, ow, c.cout], label(c));
    return { y: y.dataSync(), dx: dx!.dataSync(), df: df!.dataSync() };
  });
}

function checkAgainstReference(backendLabel: string): void {
  CASES.forEach((c, index) => {
    const data = inputs(c, 100 + index);
    const want = reference(c, data.x, data.f, data.dy);
    const got = ours(c, data);
    for (const key of ['y', 'dx', 'df'] as const) {
      const err = relativeError(got[key], want[key]);
      assert.ok(err < 1e-4, `${backendLabel} ${label(c)}: ${key} off by ${err}`);
    }
  });
}

test('tfjs conv2d with dilations has no gradient (why this layer exists); its forward pass equals the float64 loops and ours', async () => {
  await initEngine({ backend: 'cpu' });
  const c = CASES[1]!;
  const x = tf.randomNormal([c.n, c.h, c.w, c.cin], 0, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomNormal([c.k, c.k, c.cin, c.cout], 0, 1, 'float32', 2) as tf.Tensor4D;
  assert.throws(() => tf.grad((xs: tf.Tensor) => tf.sum(tf.conv2d(xs as tf.Tensor4D, f, 1, 'same', 'NHWC', 2)))(x), /dilation/i);
  tf.dispose([x, f]);
  CASES.forEach((cs, index) => {
    const data = inputs(cs, 100 + index);
    const tfjs = tf.tidy(() =>
      tf.conv2d(tf.tensor4d(Float32Array.from(data.x), [cs.n, cs.h, cs.w, cs.cin]), tf.tensor4d(Float32Array.from(data.f), [cs.k, cs.k, cs.cin, cs.cout]), 1, cs.padding, 'NHWC', cs.rate).dataSync(),
    );
    assert.ok(relativeError(tfjs, reference(cs, data.x, data.f, data.dy).y) < 1e-5, `reference vs tfjs ${label(cs)}`);
    assert.ok(relativeError(ours(cs, data).y, tfjs) < 1e-5, `ours vs tfjs ${label(cs)}`);
  });
});

test('atrous conv: values and gradients match float64 loops on the cpu backend', async () => {
  await initEngine({ backend: 'cpu' });
  checkAgainstReference('cpu');
});

test('atrous conv: values and gradients match float64 loops on WASM (project kernels, no native addon)', async () => {
  const engine = await initEngine({ backend: 'wasm', nativeKernels: false });
  assert.equal(engine.tfBackend, 'wasm');
  checkAgainstReference('wasm');
});

test('atrous conv: values and gradients match float64 loops on WASM with the native kernels', async (t) => {
  const engine = await initEngine({ backend: 'wasm' });
  if (!engine.nativeKernels) {
    if (process.env.CI) assert.fail(`native kernels are built under CI, but: ${engine.nativeKernelsUnavailable}`);
    t.skip(`native kernels unavailable: ${engine.nativeKernelsUnavailable}`);
    return;
  }
  checkAgainstReference('wasm+native');
});

test('AtrousConv2D layer: conv2d-shaped weights, bias, output shape; survives toJSON / modelFromJSON', async () => {
  await initEngine({ backend: 'cpu' });
  const input = tfl.input({ shape: [9, 7, 3] });
  const layer = new AtrousConv2D({ filters: 4, kernelSize: 3, dilationRate: 2, useBias: true, kernelInitializer: tfl.initializers.heNormal({ seed: 3 }), name: 'aspp' });
  const output = layer.apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  assert.deepEqual(output.shape, [null, 9, 7, 4]);
  assert.deepEqual(layer.getWeights().map((w) => w.shape), [[3, 3, 3, 4], [4]]);
  layer.setWeights([layer.getWeights()[0]!, tf.tensor1d([1, 2, 3, 4])]);
  const copy = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as never });
  assert.equal(copy.layers[1]!.getClassName(), 'AshBenchAtrousConv2D');
  assert.equal((copy.layers[1]!.getConfig() as { dilationRate: number }).dilationRate, 2);
  copy.setWeights(model.getWeights());
  const x = tf.randomNormal([2, 9, 7, 3], 0, 1, 'float32', 4);
  const a = model.predict(x) as tf.Tensor;
  const b = copy.predict(x) as tf.Tensor;
  const [kernel, bias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
  const want = tf.add(tf.conv2d(x as tf.Tensor4D, kernel, 1, 'same', 'NHWC', 2), bias);
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  assert.ok(relativeError(a.dataSync(), want.dataSync()) < 1e-5);
  tf.dispose([x, a, b, want]);
  model.dispose();
  copy.dispose();
});
