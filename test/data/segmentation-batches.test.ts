import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { makeSegmentationBatch } from '../../src/data/segmentation-batches.js';
import { letterboxInto, letterboxSize, resizeMaskNearest } from '../../src/data/letterbox.js';
import type { SegmentationAugment, SegmentationSplit } from '../../src/data/segmentation-types.js';

// mean 0, std 1/255: the batch holds raw pixel values, padding reads 0.
const RAW = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] };

/** One-image split of a `size` frame whose content (h x w at the top-left) comes from pixel / label functions. */
function frame(size: number, h: number, w: number, channels: number, pixel: (r: number, c: number, ch: number) => number, label: (r: number, c: number) => number): SegmentationSplit {
  const images = new Uint8Array(size * size * channels);
  const masks = new Uint8Array(size * size).fill(255);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let ch = 0; ch < channels; ch++) images[(r * size + c) * channels + ch] = pixel(r, c, ch);
      masks[r * size + c] = label(r, c);
    }
  }
  return { count: 1, size, channels, images, masks, contentSizes: Int32Array.of(h, w), ids: ['img'] };
}

const aug = (o: Partial<SegmentationAugment>): SegmentationAugment => ({ scale: [0.5, 2], cropSize: 8, flip: true, catMaxRatio: 1, ...o });

test('evaluation batch: the whole frame, normalised, padding at the mean colour (0) and ignore', () => {
  // 4x4 frame, content 2 rows x 3 cols, one channel; mean 0.2, std 0.5: x = (p / 255 - 0.2) / 0.5.
  const split = frame(4, 2, 3, 1, (r, c) => 10 * r + c + 100, (r, c) => (r + c) % 2);
  const b = makeSegmentationBatch({ mean: [0.2], std: [0.5] }, split, [0]);
  assert.deepEqual([b.height, b.width, b.channels, b.size], [4, 4, 1, 1]);
  assert.ok(Math.abs(b.x[1 * 4 + 2]! - (112 / 255 - 0.2) / 0.5) < 1e-6);
  assert.equal(b.x[3], 0);
  assert.equal(b.x[15], 0);
  assert.deepEqual([...b.y], [0, 1, 0, 255, 1, 0, 1, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
});

test('crop and flip at scale 1 keep every label on its own pixel (the image encodes its source position)', () => {
  // 16x16 frame, 3 channels: (row, col, 7); label (3 * row + 5 * col) % 7. Crops of 8 at random places.
  const label = (r: number, c: number): number => (3 * r + 5 * c) % 7;
  const split = frame(16, 16, 16, 3, (r, c, ch) => (ch === 0 ? r : ch === 1 ? c : 7), label);
  const seen = { flipped: 0, plain: 0, tops: new Set<number>(), lefts: new Set<number>() };
  for (let seed = 0; seed < 40; seed++) {
    const b = makeSegmentationBatch(RAW, split, [0], { rng: new Rng(seed), options: aug({ scale: [1, 1] }) });
    for (let p = 0; p < 64; p++) {
      const [r, c, k] = [b.x[3 * p]!, b.x[3 * p + 1]!, b.x[3 * p + 2]!];
      assert.equal(k, 7);
      assert.equal(b.y[p], label(r, c), `seed ${seed} pixel ${p} came from (${r}, ${c})`);
    }
    // Rows run down by one; columns by +1 (as is) or -1 (flipped).
    assert.equal(b.x[3 * 8]! - b.x[0]!, 1);
    const step = b.x[3 + 1]! - b.x[1]!;
    assert.ok(step === 1 || step === -1);
    if (step === 1) seen.plain++;
    else seen.flipped++;
    seen.tops.add(b.x[0]!);
    seen.lefts.add(step === 1 ? b.x[1]! : b.x[3 * 7 + 1]!);
  }
  assert.ok(seen.flipped > 5 && seen.plain > 5, JSON.stringify(seen));
  assert.ok(seen.tops.size > 4 && seen.lefts.size > 4);
});

/**
 * Stripes 6 pixels wide along columns (or rows), of classes 0 1 2 1 0 1 2 1 ... painted 20 / 130 / 240, so
 * neighbouring stripes always have neighbouring greys. Rescaling blends a pixel's two bilinear taps, the
 * nearer one weighing at least half; the label is read at that nearer tap. So after any scale, crop and
 * flip the pixel's grey is at least as close to its label's colour as to any other (1 grey level of
 * rounding slack). A mask shifted or flipped against its image breaks this at every stripe edge.
 */
function checkStripes(alongRows: boolean): void {
  const colours = [20, 130, 240];
  const cls = (r: number, c: number): number => [0, 1, 2, 1][Math.floor((alongRows ? r : c) / 6) % 4]!;
  const split = frame(30, 30, 30, 1, (r, c) => colours[cls(r, c)]!, cls);
  let padded = 0;
  let labelled = 0;
  for (let seed = 0; seed < 30; seed++) {
    const b = makeSegmentationBatch({ mean: [0], std: [1 / 255] }, split, [0], { rng: new Rng(seed), options: aug({ cropSize: 24 }) });
    for (let p = 0; p < 24 * 24; p++) {
      const v = b.x[p]!;
      const y = b.y[p]!;
      if (y === 255) {
        assert.equal(v, 0, 'padding is the mean colour');
        padded++;
        continue;
      }
      labelled++;
      const own = Math.abs(v - colours[y]!);
      for (const other of colours) assert.ok(own <= Math.abs(v - other) + 1, `seed ${seed} pixel ${p}: grey ${v} labelled ${y}`);
    }
  }
  assert.ok(padded > 0 && labelled > 0);
}

test('random scale, crop and flip keep stripes of columns aligned with their labels', () => checkStripes(false));
test('random scale, crop and flip keep stripes of rows aligned with their labels', () => checkStripes(true));

test('shrunk or letterboxed content is padded at the bottom and right with ignore, even when flipped', () => {
  // Scale 0.5 of an 8x8 content -> 4x4 in the top-left of the 8x8 crop.
  const split = frame(8, 8, 8, 1, () => 200, () => 1);
  for (let seed = 0; seed < 8; seed++) {
    const b = makeSegmentationBatch(RAW, split, [0], { rng: new Rng(seed), options: aug({ scale: [0.5, 0.5] }) });
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const inside = r < 4 && c < 4;
        assert.equal(b.y[r * 8 + c], inside ? 1 : 255);
        assert.equal(b.x[r * 8 + c], inside ? 200 : 0);
      }
    }
  }
  // A letterboxed frame (content 8 rows x 5 cols of 8x8) at scale 1: columns 5..7 are padding.
  const boxed = frame(8, 8, 5, 1, (r, c) => 10 * c + 1, () => 2);
  for (let seed = 0; seed < 8; seed++) {
    const b = makeSegmentationBatch(RAW, boxed, [0], { rng: new Rng(seed), options: aug({ scale: [1, 1] }) });
    for (let c = 0; c < 8; c++) assert.equal(b.y[3 * 8 + c], c < 5 ? 2 : 255);
  }
});

test('the same seed gives the same batch; another seed another', () => {
  const split = frame(16, 12, 16, 3, (r, c, ch) => (r * 16 + c + ch * 50) % 256, (r, c) => (r > c ? 1 : 0));
  const two: SegmentationSplit = {
    ...split,
    count: 2,
    images: new Uint8Array([...split.images, ...split.images.map((v) => 255 - v)]),
    masks: new Uint8Array([...split.masks, ...split.masks]),
    contentSizes: Int32Array.of(12, 16, 16, 16),
    ids: ['a', 'b'],
  };
  const run = (seed: number): ReturnType<typeof makeSegmentationBatch> => makeSegmentationBatch(RAW, two, [1, 0, 1], { rng: new Rng(seed), options: aug({ cropSize: 10, catMaxRatio: 0.75 }) });
  const a = run(3);
  const b = run(3);
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  const c = run(4);
  assert.notDeepEqual(c.x, a.x);
  assert.equal(a.x.length, 3 * 10 * 10 * 3);
});

test("cat_max_ratio redraws crops that one class dominates, as mmseg's RandomCrop", () => {
  // 32x32: columns 0-15 class 2, 16-31 class 1; crops of 8 at scale 1, offsets 0..24 per axis. A crop
  // passes mmseg's test (two classes, none at 75% or more of its 64 labelled pixels) when 3, 4 or 5 of its
  // columns are class 2, i.e. left offset 11, 12 or 13: probability 3/25 = 0.12 per draw. mmseg checks
  // up to 10 draws and keeps the 11th unchecked, so with the check a crop passes with 1 - 0.88^11 = 0.755.
  const split = frame(32, 32, 32, 1, () => 0, (r, c) => (c < 16 ? 2 : 1));
  const passing = (catMaxRatio: number): number => {
    let n = 0;
    for (let seed = 0; seed < 60; seed++) {
      const b = makeSegmentationBatch(RAW, split, [0], { rng: new Rng(seed), options: aug({ scale: [1, 1], cropSize: 8, catMaxRatio, flip: false }) });
      const two = b.y.filter((v) => v === 2).length;
      if (two > 16 && two < 48) n++;
    }
    return n;
  };
  const off = passing(1);
  const on = passing(0.75);
  // Expected 7.2 and 45.3 of 60 (binomial sd 2.5 and 3.3).
  assert.ok(off < 15, `without the check ${off} of 60 crops pass`);
  assert.ok(on > 35, `with the check ${on} of 60 crops pass`);
});

test('letterboxing fits the longer side, rounds as mmcv, and puts image and nearest-neighbour mask at the top-left', () => {
  assert.deepEqual(letterboxSize(375, 500, 128), { height: 96, width: 128 });
  assert.deepEqual(letterboxSize(500, 333, 256), { height: 256, width: 170 }); // 333 * 0.512 = 170.5 -> 170 (float 170.496)
  // 2 rows x 4 cols, left half grey 50 / class 1, right half grey 200 / class 2, into a frame of 8: x2.
  const pixels = Uint8Array.of(50, 50, 200, 200, 50, 50, 200, 200);
  const mask = Uint8Array.of(1, 1, 2, 2, 1, 1, 2, 2);
  const images = new Uint8Array(2 * 64).fill(9);
  const masks = new Uint8Array(2 * 64).fill(9);
  assert.deepEqual(letterboxInto(pixels, mask, 2, 4, 1, 8, images, masks, 1), { contentHeight: 4, contentWidth: 8 });
  const im = images.subarray(64);
  const mk = masks.subarray(64);
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      if (r >= 4) {
        assert.equal(mk[r * 8 + c], 255);
        assert.equal(im[r * 8 + c], 0);
        continue;
      }
      assert.equal(mk[r * 8 + c], c < 4 ? 1 : 2);
      // Bilinear x2: output columns 0-2 read only the 50s, 5-7 only the 200s; 3 and 4 blend 3:1 and 1:3.
      if (c <= 2) assert.equal(im[r * 8 + c], 50);
      if (c >= 5) assert.equal(im[r * 8 + c], 200);
    }
    if (r < 4) assert.ok(Math.abs(im[r * 8 + 3]! - 87.5) <= 0.5 && Math.abs(im[r * 8 + 4]! - 162.5) <= 0.5);
  }
  assert.ok(images.subarray(0, 64).every((v) => v === 9), 'other slots untouched');
  // Nearest with half-pixel centres: 6 -> 4 reads source columns floor((x + 0.5) * 1.5) = 0, 2, 3, 5.
  assert.deepEqual([...resizeMaskNearest(Uint8Array.of(0, 1, 2, 3, 4, 5), 1, 6, 1, 4)], [0, 2, 3, 5]);
});
