import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, inspectDataset } from '../../src/data/registry.js';
import { IMAGEFOLDER, indexImageFolder, openImageFolderSplit } from '../../src/data/imagefolder.js';
import { patternPixel, rgbBytes, writeImage, writeImageFolder, writeTinyImagenet } from '../helpers/image-fixtures.js';

const tmp = (p = 'ash-if-'): string => mkdtempSync(join(tmpdir(), p));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The centre s x s square of a w x h pattern image, computed from the pattern (torchvision offsets). */
function centreOfPattern(id: number, w: number, h: number, s: number): Uint8Array {
  const top = Math.round((h - s) / 2);
  const left = Math.round((w - s) / 2);
  const pixel = patternPixel(id);
  return rgbBytes(s, s, (r, c, ch) => pixel(r + top, c + left, ch));
}

test('imagefolder: sorted classes, round-robin order, exact centre crop of lossless PNGs', async () => {
  const root = tmp();
  // 48x32 PNGs with size 28: the resize target of the shorter side is 28 * 256/224 = 32, which it already
  // is, so only the centre crop (rows 2..29, columns 10..37) applies and pixels must be exact.
  const fx = await writeImageFolder(root, ['zebra', 'ant', 'cat'], { train: [3, 2, 1], val: [1, 1, 1] }, 48, 32);
  const data = await getDataset('imagefolder').load({ dataDir: root, imageSize: 28, cacheDir: false });
  assert.deepEqual(data.classNames, ['ant', 'cat', 'zebra']);
  assert.deepEqual(data.inputShape, [28, 28, 3]);
  assert.equal(data.numClasses, 3);
  assert.deepEqual([...data.train.labels], [0, 1, 2, 0, 1, 0]);
  assert.deepEqual([...data.train.labels], fx.order.train!.map((f) => f.label));
  assert.equal(data.test.count, 3);
  const px = 28 * 28 * 3;
  fx.order.train!.forEach((f, n) => assert.deepEqual(data.train.images.subarray(n * px, (n + 1) * px), centreOfPattern(f.id, 48, 32, 28), `train ${n} (${f.file})`));
  // A limit keeps the classes balanced thanks to the round-robin order.
  const limited = await getDataset('imagefolder').load({ dataDir: root, imageSize: 28, trainLimit: 3, cacheDir: false });
  assert.deepEqual([...limited.train.labels], [0, 1, 2]);
});

test('imagefolder: resizing keeps flat regions and the torchvision 256/224 ratio', async () => {
  const root = tmp();
  // 96x64 image: left half red-ish, right half blue-ish. Size 28 -> shorter side 32 (28*256/224), so
  // 48x32 after the resize, then the centre 28x28 (columns 10..37): left 14 columns red, right 14 blue.
  const half = (r: number, c: number, ch: number): number => (c < 48 ? [200, 10, 20] : [5, 60, 250])[ch]!;
  await writeImage(join(root, 'train', 'a', 'x.png'), 96, 64, half);
  await writeImage(join(root, 'val', 'a', 'y.png'), 96, 64, half);
  const data = await getDataset('imagefolder').load({ dataDir: root, imageSize: 28, cacheDir: false });
  const px = (r: number, c: number): number[] => [...data.train.images.subarray((r * 28 + c) * 3, (r * 28 + c) * 3 + 3)];
  assert.deepEqual(px(3, 2), [200, 10, 20]);
  assert.deepEqual(px(20, 12), [200, 10, 20]);
  assert.deepEqual(px(20, 15), [5, 60, 250]);
  assert.deepEqual(px(27, 27), [5, 60, 250]);
});

test('tiny-imagenet: train/<wnid>/images, val labels from val_annotations.txt, unlabelled test/', async () => {
  const root = tmp();
  const wnids = ['n02', 'n01', 'n03'];
  const { valColours } = await writeTinyImagenet(root, wnids, 2, [2, 0, 1, 0]);
  const index = await indexImageFolder(root);
  assert.deepEqual(index.classes, ['n01', 'n02', 'n03']);
  assert.deepEqual(index.unlabelled, ['test']);
  const data = await getDataset('tiny-imagenet').load({ dataDir: root, cacheDir: false });
  assert.deepEqual(data.inputShape, [64, 64, 3]);
  assert.equal(data.train.count, 6);
  // val_annotations labels wnids by name: val_0 -> wnids[2] = n03 (index 2), val_1 -> n02 (1), val_2 -> n01 (0), val_3 -> n02 (1).
  // Round-robin over classes n01, n02, n03: val_2 (0), val_1 (1), val_0 (2), val_3 (1).
  assert.deepEqual([...data.test.labels], [0, 1, 2, 1]);
  // Flat-colour JPEGs decode to within 2 levels of their colour at native size (no resize at 64).
  const order = [2, 1, 0, 3];
  order.forEach((valIndex, n) => {
    const centre = data.test.images.subarray(n * 64 * 64 * 3 + (32 * 64 + 32) * 3, n * 64 * 64 * 3 + (32 * 64 + 32) * 3 + 3);
    [...centre].forEach((v, ch) => assert.ok(Math.abs(v - valColours[valIndex]![ch]!) <= 2, `val_${valIndex} channel ${ch}: ${v} vs ${valColours[valIndex]![ch]}`));
  });
});

test('tiny-imagenet: an annotation naming an unknown class is an error with file and line', async () => {
  const root = tmp();
  await writeTinyImagenet(root, ['n01', 'n02'], 1, [0, 1]);
  writeFileSync(join(root, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn01\t0\t0\t1\t1\nval_1.JPEG\tn99\t0\t0\t1\t1\n');
  await assert.rejects(getDataset('tiny-imagenet').load({ dataDir: root, cacheDir: false }), /val_annotations\.txt:2: class 'n99' is not a folder of train\//);
});

test('an unreadable image is an error naming it, or skipped with a count when asked', async () => {
  const root = tmp();
  await writeImageFolder(root, ['a', 'b'], { train: [2, 2], val: [1, 1] }, 16, 16);
  const bad = join(root, 'train', 'b', 'broken.jpg');
  writeFileSync(bad, Buffer.from('this is not a JPEG file at all'));
  await assert.rejects(getDataset('imagefolder').load({ dataDir: root, imageSize: 16, cacheDir: false }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.ok(err.message.startsWith(`${bad}: cannot decode image`), err.message);
    return true;
  });
  const warnings: string[] = [];
  const data = await getDataset('imagefolder').load({ dataDir: root, imageSize: 16, cacheDir: false, onUnreadable: 'skip', warn: (m) => warnings.push(m) });
  assert.equal(data.train.count, 4);
  assert.deepEqual([...data.train.labels], [0, 1, 0, 1]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /skipped 1 unreadable image\(s\) of 5 in train\/; first: .*broken\.jpg/);
});

test('a split folder with a class that train/ lacks is an error naming it', async () => {
  const root = tmp();
  await writeImageFolder(root, ['a', 'b'], { train: [1, 1], val: [1, 1] }, 8, 8);
  await writeImage(join(root, 'val', 'c', 'x.png'), 8, 8, () => 0);
  await assert.rejects(getDataset('imagefolder').load({ dataDir: root, imageSize: 8, cacheDir: false }), /val: folder\(s\) c are not classes of train\//);
});

test('the decoded-tensor cache serves the second load and is keyed by the source files', async () => {
  const root = tmp();
  const cacheDir = tmp('ash-cache-');
  const fx = await writeImageFolder(root, ['a', 'b'], { train: [2, 2], val: [1, 1] }, 20, 20);
  const first = await getDataset('imagefolder').load({ dataDir: root, imageSize: 16, cacheDir });
  const entries = readdirSync(join(cacheDir, 'imagefolder')).sort();
  assert.equal(entries.length, 2);
  assert.ok(entries.every((e) => /^(train|val)-[0-9a-f]{24}$/.test(e)), entries.join(','));
  // Stamp the cached train pixels: if the second load returns the stamp, it came from the cache.
  const trainEntry = join(cacheDir, 'imagefolder', entries.find((e) => e.startsWith('train'))!);
  const cached = await readFile(join(trainEntry, 'images.u8'));
  assert.deepEqual(new Uint8Array(cached), first.train.images);
  await writeFile(join(trainEntry, 'images.u8'), Buffer.alloc(cached.length, 7));
  const second = await getDataset('imagefolder').load({ dataDir: root, imageSize: 16, cacheDir });
  assert.ok(second.train.images.every((v) => v === 7));
  assert.deepEqual([...second.train.labels], [...first.train.labels]);
  // A different transform is a different entry.
  const other = await getDataset('imagefolder').load({ dataDir: root, imageSize: 12, cacheDir });
  assert.equal(other.train.images.length, 4 * 12 * 12 * 3);
  // Touching a source file changes the fingerprint: decoded afresh, real pixels again.
  const touched = fx.order.train![0]!.file;
  utimesSync(touched, new Date(), new Date(Date.now() + 5000));
  const third = await getDataset('imagefolder').load({ dataDir: root, imageSize: 16, cacheDir });
  assert.deepEqual(third.train.images, first.train.images);
  // A truncated entry is a miss, never wrong data.
  await writeFile(join(trainEntry, 'images.u8'), Buffer.alloc(10));
  const fourth = await getDataset('imagefolder').load({ dataDir: root, imageSize: 16, cacheDir });
  assert.deepEqual(fourth.train.images, first.train.images);
});

test('inspect counts from the listing and hashes the first image at native size', async () => {
  const root = tmp();
  // Counts are per sorted class: train has 2 of 'a' and 1 of 'b'.
  const fx = await writeImageFolder(root, ['b', 'a'], { train: [2, 1], val: [1, 2] }, 24, 18);
  const summary = await inspectDataset('imagefolder', { dataDir: root, imageSize: 16 });
  assert.deepEqual(summary, {
    dataset: 'imagefolder',
    splits: {
      train: { count: 3, shape: [16, 16, 3], numClasses: 2, labelCounts: [2, 1], firstImageSha256: sha(rgbBytes(24, 18, patternPixel(fx.order.train![0]!.id))) },
      val: { count: 3, shape: [16, 16, 3], numClasses: 2, labelCounts: [1, 2], firstImageSha256: sha(rgbBytes(24, 18, patternPixel(fx.order.val![0]!.id))) },
    },
  });
});

test('without a labelled val/ or test/, a seeded class-stratified hold-out of train/ is the evaluation split', async () => {
  const root = tmp();
  await writeImageFolder(root, ['a', 'b'], { train: [10, 20] }, 8, 8);
  const warnings: string[] = [];
  const data = await getDataset('imagefolder').load({ dataDir: root, imageSize: 7, cacheDir: false, warn: (m) => warnings.push(m) });
  // 10% per class: 1 of a, 2 of b.
  assert.equal(data.test.count, 3);
  assert.equal(data.train.count, 27);
  assert.deepEqual([...data.test.labels].sort(), [0, 1, 1]);
  assert.match(warnings[0]!, /evaluating on 3 images held out of train\/ \(10% per class, seed 0\)/);
  // No image is in both splits, and the choice repeats.
  const px = 7 * 7 * 3;
  const trainSet = new Set(Array.from({ length: data.train.count }, (_, i) => sha(data.train.images.subarray(i * px, (i + 1) * px))));
  for (let i = 0; i < data.test.count; i++) assert.ok(!trainSet.has(sha(data.test.images.subarray(i * px, (i + 1) * px))));
  const again = await getDataset('imagefolder').load({ dataDir: root, imageSize: 7, cacheDir: false, warn: () => undefined });
  assert.deepEqual(again.test.images, data.test.images);
});

test('a split opened for streaming is decoded into the cache once and read back by range', async () => {
  const root = tmp();
  const cacheDir = tmp('ash-cache-');
  await writeImageFolder(root, ['a', 'b', 'c'], { train: [3, 3, 3], val: [1, 1, 1] }, 12, 12);
  const inMemory = await getDataset('imagefolder').load({ dataDir: root, imageSize: 7, cacheDir: false });
  const reader = await openImageFolderSplit(IMAGEFOLDER, 'train', { dataDir: root, imageSize: 7, cacheDir });
  try {
    assert.equal(reader.count, 9);
    assert.deepEqual(reader.shape, [7, 7, 3]);
    assert.deepEqual([...reader.labels], [...inMemory.train.labels]);
    const px = 7 * 7 * 3;
    assert.deepEqual(await reader.readImages(4, 3), inMemory.train.images.subarray(4 * px, 7 * px));
    await assert.rejects(reader.readImages(8, 2), /images 8\.\.9 outside 0\.\.8/);
  } finally {
    await reader.close();
  }
  // The same entry serves the in-memory loader.
  const cached = await getDataset('imagefolder').load({ dataDir: root, imageSize: 7, cacheDir });
  assert.deepEqual(cached.train.images, inMemory.train.images);
});
