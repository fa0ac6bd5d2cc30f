// Random-resized-crop: the bilinear resize against hand-computed values, torchvision's box sampling
// (bounds, area and aspect ranges, the centre fallback, determinism), and the batches it makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bilinearTaps, resizeBoxInto, type CropBox } from '../../src/data/resize.js';
import { centreFallbackBox, randomResizedCropBox } from '../../src/data/augment-rrc.js';
import { RRC_RATIO, RRC_SCALE, resolveAugment, type Augment } from '../../src/data/augment.js';
import { makeBatch } from '../../src/data/batches.js';
import type { ClassificationData } from '../../src/data/types.js';
import { Rng } from '../../src/engine/random.js';

/** Resize `box` of a height x width x channels image to outH x outW, raw values (no normalisation). */
function resize(src: Uint8Array, height: number, width: number, channels: number, box: CropBox, outH: number, outW: number, flip = false): number[] {
  const out = new Float32Array(outH * outW * channels);
  resizeBoxInto({ src, srcOffset: 0, srcHeight: height, srcWidth: width, channels, box, out, outOffset: 0, outHeight: outH, outWidth: outW, flip, scale: new Array(channels).fill(1), shift: new Array(channels).fill(0) });
  return [...out];
}

const near = (actual: number[], expected: number[], what: string): void => {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-4, `${what}[${i}]: ${v} vs ${expected[i]}`));
};

test('bilinear 2x2 -> 3x3 enlarges with half-pixel centres: corners kept, midpoints averaged', () => {
  // One channel [[0, 60], [120, 240]], and a second channel 1 higher everywhere.
  const src = Uint8Array.from([0, 1, 60, 61, 120, 121, 240, 241]);
  const out = resize(src, 2, 2, 2, { top: 0, left: 0, height: 2, width: 2 }, 3, 3);
  const first = [0, 30, 60, 60, 105, 150, 120, 180, 240];
  near(out.filter((_, i) => i % 2 === 0), first, 'channel 0');
  near(out.filter((_, i) => i % 2 === 1), first.map((v) => v + 1), 'channel 1');
});

test('bilinear 4x4 -> 2x2 shrinks with the widened (antialiasing) triangle: weights 3/7, 3/7, 1/7', () => {
  const src = Uint8Array.from({ length: 16 }, (_, i) => i); // pixel (r, c) = 4r + c
  const taps = bilinearTaps(4, 2);
  assert.deepEqual([...taps.first], [0, 1]);
  assert.deepEqual([...taps.count], [3, 3]);
  near([...taps.weights.subarray(0, 3)], [3 / 7, 3 / 7, 1 / 7], 'taps of output 0');
  near([...taps.weights.subarray(taps.span, taps.span + 3)], [1 / 7, 3 / 7, 3 / 7], 'taps of output 1');
  // Along one axis: (0*3 + 1*3 + 2*1)/7 = 5/7 and (1*1 + 2*3 + 3*3)/7 = 16/7; rows weigh 4 times that.
  near(resize(src, 4, 4, 1, { top: 0, left: 0, height: 4, width: 4 }, 2, 2), [4 * (5 / 7) + 5 / 7, 4 * (5 / 7) + 16 / 7, 4 * (16 / 7) + 5 / 7, 4 * (16 / 7) + 16 / 7], '4x4 -> 2x2');
});

test('a box resizes only its own pixels; the same size is the identity, flipped when asked; normalisation applies', () => {
  // A 6x5 image: 200 everywhere except the 3x2 box at rows 2..4, columns 1..2.
  const width = 5;
  const src = new Uint8Array(6 * width).fill(200);
  const box: CropBox = { top: 2, left: 1, height: 3, width: 2 };
  const inBox = [10, 20, 30, 40, 50, 60];
  inBox.forEach((v, i) => (src[(box.top + Math.floor(i / 2)) * width + box.left + (i % 2)] = v));
  assert.deepEqual(resize(src, 6, width, 1, box, 3, 2), inBox, 'same size: exact pixels');
  assert.deepEqual(resize(src, 6, width, 1, box, 3, 2, true), [20, 10, 40, 30, 60, 50], 'flipped');
  for (const [oh, ow] of [[7, 5], [2, 1], [1, 1], [9, 9]] as const) {
    const out = resize(src, 6, width, 1, box, oh, ow);
    assert.ok(out.every((v) => v >= 10 - 1e-4 && v <= 60 + 1e-4), `${oh}x${ow} reads outside the box: ${out.join(',')}`);
  }
  // Normalisation: value * scale + shift per channel, into the given place of a larger output.
  const out = new Float32Array(10).fill(-1);
  resizeBoxInto({ src, srcOffset: 0, srcHeight: 6, srcWidth: width, channels: 1, box: { top: 2, left: 1, height: 1, width: 2 }, out, outOffset: 3, outHeight: 1, outWidth: 2, flip: false, scale: [0.5], shift: [-1] });
  assert.deepEqual([...out], [-1, -1, -1, 4, 9, -1, -1, -1, -1, -1]);
  assert.throws(() => resize(src, 6, width, 1, { top: 4, left: 0, height: 3, width: 2 }, 2, 2), /not inside the 5x6 image/);
});

test('random boxes lie inside the image with area and aspect in range, and cover small and whole crops', () => {
  // The largest box of aspect 3/4..4/3: all of a square, 267x200 (89%) of 300x200, 40x53 (59%) of 40x90.
  for (const [height, width, largest] of [[256, 256, 1], [64, 64, 1], [200, 300, 0.89], [90, 40, 0.59]] as const) {
    const area = height * width;
    let small = 0;
    let large = 0;
    const tops = new Set<number>();
    for (let seed = 0; seed < 2000; seed++) {
      const b = randomResizedCropBox(new Rng(seed), height, width, RRC_SCALE, RRC_RATIO);
      const where = `${width}x${height} seed ${seed}: ${JSON.stringify(b)}`;
      assert.ok(Number.isInteger(b.top) && Number.isInteger(b.left) && Number.isInteger(b.height) && Number.isInteger(b.width), where);
      assert.ok(b.top >= 0 && b.left >= 0 && b.height >= 1 && b.width >= 1 && b.top + b.height <= height && b.left + b.width <= width, where);
      const fallback = centreFallbackBox(height, width, RRC_RATIO);
      if (JSON.stringify(b) === JSON.stringify(fallback)) continue;
      // w and h are rounded from sqrt(area * r) and sqrt(area / r): half a pixel either way.
      assert.ok((b.width + 0.5) * (b.height + 0.5) >= RRC_SCALE[0] * area && (b.width - 0.5) * (b.height - 0.5) <= RRC_SCALE[1] * area, `area: ${where}`);
      assert.ok((b.width + 0.5) / (b.height - 0.5) >= RRC_RATIO[0] && (b.width - 0.5) / (b.height + 0.5) <= RRC_RATIO[1], `aspect: ${where}`);
      if (b.width * b.height < 0.15 * area) small++;
      if (b.width * b.height > 0.8 * largest * area) large++;
      tops.add(b.top);
    }
    // Area uniform in [0.08, 1]: about 8% of boxes below 0.15 and some (fewer: large boxes often fail) above 0.8.
    assert.ok(small > 100 && large > 50, `${width}x${height}: ${small} small, ${large} large boxes of 2000`);
    assert.ok(tops.size > Math.min(20, height / 4), `${width}x${height}: only ${tops.size} distinct tops`);
  }
});

test('the same seed draws the same box, different seeds different ones', () => {
  const boxes = new Set<string>();
  for (let seed = 0; seed < 50; seed++) {
    const a = randomResizedCropBox(new Rng(seed), 256, 256, RRC_SCALE, RRC_RATIO);
    assert.deepEqual(randomResizedCropBox(new Rng(seed), 256, 256, RRC_SCALE, RRC_RATIO), a);
    boxes.add(JSON.stringify(a));
  }
  assert.ok(boxes.size >= 48, `${boxes.size} distinct boxes of 50`);
});

test('when no try fits, the centred box with the aspect clamped into the ratio range (after exactly 10 tries)', () => {
  // Whole area with an aspect of 2..3 never fits a square: 10 tries of 2 draws each, then the fallback.
  const rng = new Rng(9);
  assert.deepEqual(randomResizedCropBox(rng, 100, 100, [1, 1], [2, 3]), { top: 25, left: 0, height: 50, width: 100 });
  const reference = new Rng(9);
  for (let i = 0; i < 20; i++) reference.next();
  assert.equal(rng.nextUint32(), reference.nextUint32(), 'the fallback draws nothing more');
  // Too wide for the range: full height, width cut to height * max ratio, centred.
  assert.deepEqual(randomResizedCropBox(new Rng(1), 100, 300, [1, 1], [0.5, 1]), { top: 0, left: 100, height: 100, width: 100 });
  // Aspect already inside the range (60x40 = 1.5 in 1..2), but no try hits it exactly: the whole image.
  assert.deepEqual(randomResizedCropBox(new Rng(2), 40, 60, [1, 1], [1, 2]), { top: 0, left: 0, height: 40, width: 60 });
  // Python's floor division for the offsets: (101 - 50) // 2 = 25.
  assert.deepEqual(centreFallbackBox(101, 100, [2, 3]), { top: 25, left: 0, height: 50, width: 100 });
});

function sourceData(sourceSide: number, inputSide: number, count: number): ClassificationData {
  const px = sourceSide * sourceSide * 3;
  const images = new Uint8Array(count * px);
  for (let i = 0; i < images.length; i++) images[i] = (i * 7 + Math.floor(i / px) * 31) % 256;
  const train = { count, images, labels: Int32Array.from({ length: count }, (_, i) => i % 3), shape: [sourceSide, sourceSide, 3] as [number, number, number] };
  const test = { count: 0, images: new Uint8Array(0), labels: new Int32Array(0) };
  return { dataset: 't', numClasses: 3, inputShape: [inputSide, inputSide, 3], mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3], flipOk: true, train, test, source: [] };
}

test('random-resized-crop batches: seeded, from the source-size images, the resize of the drawn box', () => {
  const data = sourceData(20, 12, 4);
  const rrc = resolveAugment({ kind: 'random-resized-crop', crop: 4, flip: true }, 'pad-crop');
  assert.deepEqual(rrc, { kind: 'random-resized-crop', scale: RRC_SCALE, ratio: RRC_RATIO, flip: true });
  const indices = [3, 1, 2, 0];
  const batch = (seed: number, options: Augment = rrc) => makeBatch(data, data.train, indices, { rng: new Rng(seed), options });
  const a = batch(5);
  assert.equal(a.x.length, 4 * 12 * 12 * 3);
  assert.deepEqual([...a.y], [0, 1, 2, 0]);
  assert.deepEqual(batch(5).x, a.x);
  assert.notDeepEqual(batch(6).x, a.x);
  // Item b is exactly the resize of the box the stream draws for it (box, then flip), normalised.
  const rng = new Rng(5);
  const scale = data.std.map((s) => 1 / (255 * s));
  const shift = data.mean.map((m, i) => -m / data.std[i]!);
  indices.forEach((idx, b) => {
    const box = randomResizedCropBox(rng, 20, 20, RRC_SCALE, RRC_RATIO);
    const flip = rng.next() < 0.5;
    const out = new Float32Array(12 * 12 * 3);
    resizeBoxInto({ src: data.train.images, srcOffset: idx * 20 * 20 * 3, srcHeight: 20, srcWidth: 20, channels: 3, box, out, outOffset: 0, outHeight: 12, outWidth: 12, flip, scale, shift });
    assert.deepEqual(a.x.subarray(b * out.length, (b + 1) * out.length), out, `item ${b}`);
  });
  // The whole image at its own size, unflipped, is exactly the plain batch (normalisation alone).
  const same = sourceData(12, 12, 2);
  const whole = makeBatch(same, same.train, [0, 1], { rng: new Rng(1), options: { kind: 'random-resized-crop', scale: [1, 1], ratio: [1, 1], flip: false } });
  assert.deepEqual(whole.x, makeBatch(same, same.train, [0, 1]).x);
  // Without augmentation a source-size split is read through its centre window: columns/rows 4..15 of 20.
  const plain = makeBatch(data, data.train, [1]);
  const row = 4 + 2;
  const col = 4 + 3;
  const v = data.train.images[1 * 20 * 20 * 3 + (row * 20 + col) * 3 + 1]!;
  assert.ok(Math.abs(plain.x[(2 * 12 + 3) * 3 + 1]! - (v / 255 - 0.4) / 0.25) < 1e-5);
  assert.throws(() => makeBatch(sourceData(8, 12, 1), sourceData(8, 12, 1).train, [0]), /stored images are 8x8, smaller than the 12x12 input/);
});
