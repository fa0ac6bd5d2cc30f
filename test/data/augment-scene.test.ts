import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { augmentScene, cropScene, flipScene, resizeScene, type Scene } from '../../src/data/augment-scene.js';
import { composeScenes } from '../../src/data/fashion-scenes.js';

/** 4x3 grey scene, pixel = 10 * row + col, one box over columns 1..2 of rows 0..1, mask 1 inside it. */
function tiny(): Scene {
  const pixels = Uint8Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
  const mask = Uint8Array.from({ length: 12 }, (_, i) => (Math.floor(i / 4) <= 1 && i % 4 >= 1 && i % 4 <= 2 ? 1 : 0));
  return { width: 4, height: 3, channels: 1, pixels, boxes: Float32Array.of(1, 0, 2, 2), classes: Int32Array.of(3), flags: Uint8Array.of(0), mask };
}

test('flip mirrors pixels, mask and boxes together; twice is the identity', () => {
  const s = { ...tiny(), boxes: Float32Array.of(0, 1, 1, 2), mask: Uint8Array.from({ length: 12 }, (_, i) => i % 4) };
  const f = flipScene(s);
  assert.deepEqual([...f.pixels.subarray(0, 4)], [3, 2, 1, 0]);
  assert.deepEqual([...f.mask!.subarray(4, 8)], [3, 2, 1, 0]);
  assert.deepEqual([...f.boxes], [3, 1, 1, 2]);
  const back = flipScene(f);
  assert.deepEqual(back.pixels, s.pixels);
  assert.deepEqual(back.mask, s.mask);
  assert.deepEqual(back.boxes, s.boxes);
});

test('resizing by 2 doubles boxes and blows the mask up by nearest neighbour, exactly', () => {
  const r = resizeScene(tiny(), 8, 6);
  assert.deepEqual([...r.boxes], [2, 0, 4, 4]);
  for (let y = 0; y < 6; y++) for (let x = 0; x < 8; x++) assert.equal(r.mask![y * 8 + x], x >= 2 && x < 6 && y < 4 ? 1 : 0, `(${x}, ${y})`);
  // Bilinear with half-pixel centres: output (0, 0) samples source (-0.25, -0.25) -> clamped to pixel (0, 0).
  assert.equal(r.pixels[0], 0);
  // Output (3, 2) samples source (1.25, 0.75): 0.25 * (row 0 at x 1.25) + 0.75 * (row 1 at x 1.25) = 8.75 -> 9.
  assert.equal(r.pixels[2 * 8 + 3], 9);
});

test('crop and pad: padded mask pixels are ignore, boxes are clipped or dropped', () => {
  const c = cropScene(tiny(), 2, -1, 4, 3, 1);
  assert.deepEqual([...c.boxes], [0, 1, 1, 2]);
  assert.deepEqual([...c.mask!.subarray(0, 4)], [255, 255, 255, 255]);
  assert.deepEqual([...c.mask!.subarray(4, 8)], [1, 0, 255, 255]);
  assert.deepEqual([...c.pixels.subarray(4, 8)], [2, 3, 0, 0]);
  const gone = cropScene(tiny(), 3, 0, 4, 3, 1);
  assert.equal(gone.classes.length, 0);
});

/** tiny() with two overlapping objects and their own masks (COCO-style): object 0 is columns 1..2 of rows
 * 0..1 (its box), object 1 columns 2..3 of rows 1..2; they share pixel (2, 1). */
function overlapping(): Scene {
  const inside = (x0: number, y0: number) => Array.from({ length: 12 }, (_, i) => (i % 4 >= x0 && i % 4 <= x0 + 1 && Math.floor(i / 4) >= y0 && Math.floor(i / 4) <= y0 + 1 ? 1 : 0));
  return { ...tiny(), boxes: Float32Array.of(1, 0, 2, 2, 2, 1, 2, 2), classes: Int32Array.of(3, 5), flags: Uint8Array.of(0, 1), instanceMasks: Uint8Array.from([...inside(1, 0), ...inside(2, 1)]) };
}
const objectMask = (s: Scene, k: number): number[] => [...s.instanceMasks!.subarray(k * s.width * s.height, (k + 1) * s.width * s.height)];

test('instance masks move with their own boxes: flip, resize and crop (dropped boxes drop their masks)', () => {
  const s = overlapping();
  // Flip: object 1 [2, 1, 2, 2] -> x = 4 - 2 - 2 = 0, its mask columns 2..3 -> 0..1.
  const f = flipScene(s);
  assert.deepEqual([...f.boxes], [1, 0, 2, 2, 0, 1, 2, 2]);
  assert.deepEqual(objectMask(f, 0), [0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(objectMask(f, 1), [0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
  assert.deepEqual(flipScene(f).instanceMasks, s.instanceMasks);
  // Twice the size: output (x, y) is source (floor(x / 2), floor(y / 2)), for each object on its own.
  const r = resizeScene(s, 8, 6);
  for (let k = 0; k < 2; k++) {
    const source = objectMask(s, k);
    assert.deepEqual(objectMask(r, k), Array.from({ length: 48 }, (_, i) => source[Math.floor(Math.floor(i / 8) / 2) * 4 + Math.floor((i % 8) / 2)]), `object ${k}`);
  }
  // Window x 2..5, y -1..2 (one row of padding on top, columns 4..5 past the scene): object 0 keeps only
  // column 2 (1 wide), object 1 columns 2..3 of rows 1..2; each mask comes along, 0 in the padding.
  const c = cropScene(s, 2, -1, 4, 4, 1);
  assert.deepEqual([...c.boxes], [0, 1, 1, 2, 0, 2, 2, 2]);
  assert.deepEqual(objectMask(c, 0), [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(objectMask(c, 1), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
  // At minBoxSide 2 the 1-wide object 0 is dropped, and its mask with it.
  const dropped = cropScene(s, 2, -1, 4, 4, 2);
  assert.deepEqual([...dropped.classes], [5]);
  assert.deepEqual([...dropped.flags], [1]);
  assert.deepEqual([...dropped.instanceMasks!], objectMask(c, 1));
});

test('augmentScene keeps boxes and masks consistent on composed scenes, and repeats by seed', () => {
  // Rectangle items: after any flip / scale / crop, the mask of a kept box's class fills the box (give or
  // take the one-pixel rounding at its edges) and no mask pixel lies outside every box of its class.
  const count = 20;
  const images = new Uint8Array(count * 784);
  for (let n = 0; n < count; n++) for (let r = 3; r < 3 + 10 + (n % 8); r++) for (let c = 5; c < 5 + 6 + (n % 11); c++) images[n * 784 + r * 28 + c] = 220;
  const items = { count, images, labels: Uint8Array.from({ length: count }, (_, n) => n % 10) };
  const scenes = composeScenes(items, 12, 'aug');
  const area = 64 * 64;
  for (const [s, rec] of scenes.records.entries()) {
    const scene: Scene = { width: 64, height: 64, channels: 1, pixels: scenes.images.subarray(s * area, (s + 1) * area), boxes: rec.boxes, classes: rec.classes, flags: rec.flags, mask: scenes.masks.subarray(s * area, (s + 1) * area) };
    for (let seed = 0; seed < 4; seed++) {
      const options = { flip: true, scale: [0.6, 1.7] as [number, number], outWidth: 64, outHeight: 64, minBoxSide: 2 };
      const out = augmentScene(scene, new Rng(seed), options);
      assert.deepEqual(augmentScene(scene, new Rng(seed), options).pixels, out.pixels);
      for (let b = 0; b < out.classes.length; b++) {
        const [x, y, w, h] = [...out.boxes.subarray(b * 4, b * 4 + 4)] as [number, number, number, number];
        for (let r = Math.ceil(y + 1); r < Math.floor(y + h - 1); r++) for (let c = Math.ceil(x + 1); c < Math.floor(x + w - 1); c++) {
          assert.equal(out.mask![r * 64 + c], out.classes[b]! + 1, `scene ${s} seed ${seed} box ${b} at (${c}, ${r})`);
        }
      }
      for (let r = 0; r < 64; r++) for (let c = 0; c < 64; c++) {
        const v = out.mask![r * 64 + c]!;
        if (v === 0 || v === 255) continue;
        const inside = [...out.classes].some((k, b) => k + 1 === v && c >= out.boxes[b * 4]! - 1 && c < out.boxes[b * 4]! + out.boxes[b * 4 + 2]! + 1 && r >= out.boxes[b * 4 + 1]! - 1 && r < out.boxes[b * 4 + 1]! + out.boxes[b * 4 + 3]! + 1);
        // A mask pixel of a box that cropping dropped (narrower than minBoxSide) may remain at the border.
        const nearBorder = c < 2 || r < 2 || c >= 62 || r >= 62;
        assert.ok(inside || nearBorder, `scene ${s} seed ${seed}: mask ${v} at (${c}, ${r}) is outside every box of its class`);
      }
    }
  }
});
