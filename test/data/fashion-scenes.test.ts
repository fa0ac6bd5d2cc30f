import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../../src/data/idx.js';
import { composeScenes, loadFashionScenes } from '../../src/data/fashion-scenes.js';
import { inspectDataset } from '../../src/data/registry.js';

/** Item n: class n % 10, a rectangle of grey 200 at rows top..bottom, cols left..right, plus one faint pixel (5) in a corner. */
const rect = (n: number): { top: number; bottom: number; left: number; right: number } => ({ top: 2 + (n % 5), bottom: 20 + (n % 7), left: 4 + (n % 3), right: 15 + (n % 9) });

function writeRectItems(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const images = new Uint8Array(count * 784);
  for (let n = 0; n < count; n++) {
    const { top, bottom, left, right } = rect(n);
    for (let r = top; r <= bottom; r++) for (let c = left; c <= right; c++) images[n * 784 + r * 28 + c] = 200;
    images[n * 784 + 27 * 28 + 27] = 5;
  }
  const labels = Uint8Array.from({ length: count }, (_, n) => n % 10);
  for (const prefix of ['train', 't10k']) {
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([count, 28, 28], images));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([count], labels));
  }
}

test('fashion-scenes: tight boxes, masks that match them, no overlaps, deterministic by seed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ash-scenes-'));
  writeRectItems(dir, 30);
  const data = await loadFashionScenes({ dataDir: dir, trainLimit: 40, testLimit: 5 });
  const { images, masks, records } = data.pixels.train!;
  const C = data.canvas;
  assert.equal(records.length, 40);
  let objects = 0;
  records.forEach((rec, s) => {
    const n = rec.classes.length;
    objects += n;
    assert.ok(n >= 1 && n <= 3, `scene ${s} has ${n} items`);
    let maskPixels = 0;
    for (let i = 0; i < C * C; i++) if (masks[s * C * C + i]! > 0) maskPixels++;
    let boxArea = 0;
    for (let b = 0; b < n; b++) {
      const [x, y, w, h] = [...rec.boxes.subarray(b * 4, b * 4 + 4)] as [number, number, number, number];
      assert.ok(x >= 0 && y >= 0 && x + w <= C && y + h <= C);
      // Rectangle items: the box is the full rectangle, every pixel in it is 200 and labelled class + 1.
      for (let r = y; r < y + h; r++) for (let c = x; c < x + w; c++) {
        assert.equal(images[s * C * C + r * C + c], 200);
        assert.equal(masks[s * C * C + r * C + c], rec.classes[b]! + 1);
      }
      boxArea += w * h;
      for (let o = 0; o < b; o++) {
        const [x2, y2, w2, h2] = [...rec.boxes.subarray(o * 4, o * 4 + 4)] as [number, number, number, number];
        assert.ok(x + w <= x2 || x2 + w2 <= x || y + h <= y2 || y2 + h2 <= y, `scene ${s}: boxes ${b} and ${o} overlap`);
      }
    }
    // Nothing outside the boxes: the faint corner pixel is below the threshold and was not pasted.
    assert.equal(maskPixels, boxArea);
  });
  // Box sizes are those of real items of that class: w = right-left+1 of some item n with n % 10 = class.
  const rec0 = records[0]!;
  const sizes = new Set(Array.from({ length: 30 }, (_, n) => n).filter((n) => n % 10 === rec0.classes[0]).map((n) => `${rect(n).right - rect(n).left + 1}x${rect(n).bottom - rect(n).top + 1}`));
  assert.ok(sizes.has(`${rec0.boxes[2]}x${rec0.boxes[3]}`));

  const again = await loadFashionScenes({ dataDir: dir, trainLimit: 40, testLimit: 5 });
  assert.deepEqual(again.pixels.train!.images, images);
  const other = await loadFashionScenes({ dataDir: dir, trainLimit: 40, testLimit: 5, scenes: { seed: 1 } });
  assert.notDeepEqual(other.pixels.train!.images, images);
  assert.deepEqual(await inspectDataset('fashion-scenes', { dataDir: dir, trainLimit: 40, testLimit: 5 }), {
    dataset: 'fashion-scenes',
    splits: { train: { count: 40, objects, classes: 10 }, test: { count: 5, objects: data.splits.test!.reduce((a, r) => a + r.classes.length, 0), classes: 10 } },
  });
});

test('fashion-scenes: a canvas smaller than an item is refused', () => {
  assert.throws(() => composeScenes({ count: 1, images: new Uint8Array(784), labels: Uint8Array.of(0) }, 1, 'x', { canvas: 20, minItems: 1, maxItems: 1, seed: 0, threshold: 16 }), /canvas 20 is smaller than a 28x28 item/);
});

test('fashion-scenes from the real Fashion-MNIST: every box is tight around its mask pixels', { skip: !existsSync('/usr/share/datasets/fashion-mnist') && 'dataset-fashion-mnist not installed' }, async () => {
  const data = await loadFashionScenes({ trainLimit: 200, testLimit: 1 });
  const { masks, records } = data.pixels.train!;
  const C = data.canvas;
  records.forEach((rec, s) => {
    for (let b = 0; b < rec.classes.length; b++) {
      const [x, y, w, h] = [...rec.boxes.subarray(b * 4, b * 4 + 4)] as [number, number, number, number];
      const label = rec.classes[b]! + 1;
      const at = (r: number, c: number): boolean => masks[s * C * C + r * C + c] === label;
      const rowHas = (r: number): boolean => Array.from({ length: w }, (_, i) => x + i).some((c) => at(r, c));
      const colHas = (c: number): boolean => Array.from({ length: h }, (_, i) => y + i).some((r) => at(r, c));
      assert.ok(rowHas(y) && rowHas(y + h - 1) && colHas(x) && colHas(x + w - 1), `scene ${s} box ${b} is not tight`);
    }
  });
});
