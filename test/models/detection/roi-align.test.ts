// ROIAlign: the plain float64 transcription against hand-computed cases, the plan's merged taps on a hand
// case, both tf versions (host loops; tensor gather forward, scatter backward) against it on cpu and WASM,
// and their feature gradient against float64 central finite differences of the plain version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../src/engine/tf.js';
import { initEngine } from '../../../src/engine/backend.js';
import { Rng } from '../../../src/engine/random.js';
import { buildRoiAlignPlan, roiAlign, roiAlignPlain, type FeatureLevel, type RoiAlignMode, type RoiAlignOptions } from '../../../src/models/detection/roi-align.js';

/** f(x, y) = x + 10 y on a 4x4 single-channel map (row-major, HWC). */
const RAMP = Float64Array.from({ length: 16 }, (_, i) => (i % 4) + 10 * Math.floor(i / 4));

test('roiAlignPlain: hand-computed bins, aligned and legacy, and a RoI outside the map', () => {
  // aligned, box [0,0,4,4] -> start -0.5, bins of 2 pixels, 2x2 samples per bin at -0.5 + {0.5, 1.5} (+2 for
  // the second bin): x in {0, 1} and {2, 3}. Bilinear interpolation of a linear map is exact, so a bin is the
  // mean of f at its samples: (0,0): 0.5 + 10*0.5 = 5.5; (0,1): 2.5 + 5 = 7.5; (1,0): 0.5 + 25 = 25.5; (1,1): 27.5.
  const aligned: RoiAlignOptions = { outputSize: [2, 2], samplingRatio: 2, aligned: true };
  assert.deepEqual([...roiAlignPlain(RAMP, [4, 4, 1], [0, 0, 4, 4], 1, aligned)], [5.5, 7.5, 25.5, 27.5]);
  // legacy (aligned=false): samples at {0.5, 1.5} and {2.5, 3.5}; 3.5 is past the last pixel centre (3) and is
  // clamped to 3, so the second bin's x mean is (2.5 + 3) / 2 = 2.75: (0,0) = 1 + 10 = 11; (0,1) = 2.75 + 10 =
  // 12.75; (1,0) = 1 + 27.5 = 28.5; (1,1) = 2.75 + 27.5 = 30.25.
  const legacy: RoiAlignOptions = { outputSize: [2, 2], samplingRatio: 2, aligned: false };
  assert.deepEqual([...roiAlignPlain(RAMP, [4, 4, 1], [0, 0, 4, 4], 1, legacy)], [11, 12.75, 28.5, 30.25]);
  // Spatial scale 1/2: box [0,0,8,8] in image pixels is [0,0,4,4] on the map: the same as the aligned case.
  assert.deepEqual([...roiAlignPlain(RAMP, [4, 4, 1], [0, 0, 8, 8], 0.5, aligned)], [5.5, 7.5, 25.5, 27.5]);
  // Every sample of [-8,-8,-4,-4] lies below -1: zero, not the clamped border value.
  assert.deepEqual([...roiAlignPlain(RAMP, [4, 4, 1], [-8, -8, -4, -4], 1, aligned)], [0, 0, 0, 0]);
  // Adaptive sampling (ratio 0) of a 1x1 output over the whole aligned map: ceil(4/1) = 4 samples per axis at
  // -0.5 + {0.5, 1.5, 2.5, 3.5} = {0, 1, 2, 3}: the mean of the map, 1.5 + 15 = 16.5.
  assert.deepEqual([...roiAlignPlain(RAMP, [4, 4, 1], [0, 0, 4, 4], 1, { outputSize: [1, 1], samplingRatio: 0, aligned: true })], [16.5]);
});

test('ROIAlign plan: samples that share a feature cell become one tap', () => {
  // aligned box [0,0,4,4] on a 4x4 map, 2x2 bins, 2x2 samples: every sample sits on a pixel centre (x, y in
  // {0, 1} for bin (0,0)), so its bilinear weights are 1, 0, 0, 0: each bin reads its 4 pixels once, 1/4 each
  // (16 taps before merging, 12 of them zero).
  const plan = buildRoiAlignPlan([{ height: 4, width: 4, scale: 1 }], 1, { boxes: Float32Array.from([0, 0, 4, 4]), images: Int32Array.from([0]), levels: Int32Array.from([0]) }, {
    outputSize: [2, 2],
    samplingRatio: 2,
    aligned: true,
  });
  assert.equal(plan.taps, 4);
  assert.deepEqual([...plan.weights], new Array(16).fill(0.25));
  assert.deepEqual([...plan.indices.subarray(0, 4)], [0, 1, 4, 5]);
  assert.deepEqual([...plan.indices.subarray(12, 16)], [10, 11, 14, 15]);
  // Box [0.5,0,4.5,4]: x samples at {0.5, 1.5}, each between two pixels: bin (0,0) reads columns 0, 1, 2 (weights
  // 1/8, 1/4, 1/8 per row) of rows 0 and 1: 6 taps, not 16.
  const half = buildRoiAlignPlan([{ height: 4, width: 4, scale: 1 }], 1, { boxes: Float32Array.from([0.5, 0, 4.5, 4]), images: Int32Array.from([0]), levels: Int32Array.from([0]) }, {
    outputSize: [2, 2],
    samplingRatio: 2,
    aligned: true,
  });
  assert.equal(half.taps, 6);
  const bin = [...half.indices.subarray(0, 6)].map((index, k) => [index, half.weights[k]!]).sort((a, b) => a[0]! - b[0]!);
  assert.deepEqual(bin, [[0, 0.125], [1, 0.25], [2, 0.125], [4, 0.125], [5, 0.25], [6, 0.125]]);
});

interface Case {
  levels: FeatureLevel[];
  batch: number;
  channels: number;
  boxes: Float32Array;
  images: Int32Array;
  roiLevels: Int32Array;
  data: Float64Array[];
}

/** Two images, two levels (strides 2 and 4 of a 12x16 image), boxes partly outside the image and degenerate. */
function makeCase(seed: number): Case {
  const rng = new Rng(seed);
  const levels: FeatureLevel[] = [
    { height: 6, width: 8, scale: 0.5 },
    { height: 3, width: 4, scale: 0.25 },
  ];
  const batch = 2;
  const channels = 3;
  const data = levels.map((l) => Float64Array.from({ length: batch * l.height * l.width * channels }, () => rng.next() * 2 - 1));
  const boxes: number[] = [];
  const images: number[] = [];
  const roiLevels: number[] = [];
  for (let r = 0; r < 7; r++) {
    const x1 = rng.next() * 18 - 3;
    const y1 = rng.next() * 14 - 3;
    boxes.push(x1, y1, x1 + rng.next() * 10, y1 + rng.next() * 8);
    images.push(r % 2);
    roiLevels.push(rng.int(2));
  }
  boxes.push(3, 3, 3, 3); // a zero-size box
  images.push(1);
  roiLevels.push(0);
  return { levels, batch, channels, boxes: Float32Array.from(boxes), images: Int32Array.from(images), roiLevels: Int32Array.from(roiLevels), data };
}

/** The plain reference over all RoIs of a case, [R, outH, outW, C] flat. */
function plainAll(c: Case, data: Float64Array[], options: RoiAlignOptions): Float64Array {
  const [outH, outW] = options.outputSize;
  const per = outH * outW * c.channels;
  const out = new Float64Array(c.images.length * per);
  for (let r = 0; r < c.images.length; r++) {
    const level = c.levels[c.roiLevels[r]!]!;
    const size = level.height * level.width * c.channels;
    const image = data[c.roiLevels[r]!]!.subarray(c.images[r]! * size, (c.images[r]! + 1) * size);
    out.set(roiAlignPlain(image, [level.height, level.width, c.channels], c.boxes.subarray(4 * r, 4 * r + 4), level.scale, options), r * per);
  }
  return out;
}

const OPTION_CASES: RoiAlignOptions[] = [
  { outputSize: [3, 2], samplingRatio: 2, aligned: true },
  { outputSize: [2, 2], samplingRatio: 0, aligned: true },
  { outputSize: [2, 3], samplingRatio: 2, aligned: false },
];

for (const [backend, mode] of [['cpu', 'host'], ['wasm', 'host'], ['cpu', 'tensor'], ['wasm', 'tensor']] as [string, RoiAlignMode][]) {
  test(`roiAlign (${mode}) on ${backend}: forward equals the plain reference, feature gradient equals float64 finite differences`, async () => {
    await initEngine({ backend });
    for (const [k, options] of OPTION_CASES.entries()) {
      const c = makeCase(11 + k);
      const plan = buildRoiAlignPlan(c.levels, c.batch, { boxes: c.boxes, images: c.images, levels: c.roiLevels }, options);
      const expected = plainAll(c, c.data, options);
      const rng = new Rng(99 + k);
      const weightsG = Float64Array.from({ length: expected.length }, () => rng.next() * 2 - 1);
      const before = tf.memory().numTensors;
      let got = new Float32Array(0);
      const grads: Float32Array[] = [];
      tf.tidy(() => {
        const features = c.levels.map((l, i) => tf.tensor4d(Float32Array.from(c.data[i]!), [c.batch, l.height, l.width, c.channels]));
        const g = tf.tensor(Float32Array.from(weightsG), [c.images.length, options.outputSize[0], options.outputSize[1], c.channels]);
        got = roiAlign(features, plan, mode).dataSync() as Float32Array;
        // loss = sum(roiAlign(F) * G): its gradient w.r.t. F is the adjoint of ROIAlign applied to G.
        const grad = tf.grads((...fs: tf.Tensor[]) => tf.sum(tf.mul(roiAlign(fs as tf.Tensor4D[], plan, mode), g)));
        for (const t of grad(features)) grads.push(t.dataSync() as Float32Array);
      });
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      for (let i = 0; i < expected.length; i++) {
        assert.ok(Math.abs(got[i]! - expected[i]!) < 1e-5, `${JSON.stringify(options)} forward [${i}]: ${got[i]} vs ${expected[i]}`);
      }
      // Central differences of the float64 loss, every feature element of every level.
      const h = 1e-3;
      const loss = (data: Float64Array[]): number => plainAll(c, data, options).reduce((s, v, i) => s + v * weightsG[i]!, 0);
      let nonZero = 0;
      for (let l = 0; l < c.levels.length; l++) {
        for (let i = 0; i < c.data[l]!.length; i++) {
          const plus = c.data.map((d) => Float64Array.from(d));
          const minus = c.data.map((d) => Float64Array.from(d));
          plus[l]![i]! += h;
          minus[l]![i]! -= h;
          const fd = (loss(plus) - loss(minus)) / (2 * h);
          const analytic = grads[l]![i]!;
          if (fd !== 0) nonZero++;
          assert.ok(Math.abs(analytic - fd) < 1e-4, `${JSON.stringify(options)} level ${l} d/dF[${i}]: ${analytic} vs ${fd}`);
        }
      }
      assert.ok(nonZero > 20, `only ${nonZero} feature elements reach the output`);
    }
  });
}
