// COCO's mask codec against hand counts and against cocoapi's common/maskApi.c (the C under pycocotools):
// the "from maskApi.c" counts below were printed by that file compiled with a small driver, and each one
// was read back by hand where the shape allows (comments). Masks here are row-major: mask[y * width + x].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MaskFormatError, rleDecode, rleEncode, rleFromCounts, rleFromPolygon, rleFromString, rleToString } from '../../src/data/coco-mask.js';
import { decodeInstanceMasks, packSegmentations, segmentationParts } from '../../src/data/coco-segmentation.js';
import { Rng } from '../../src/engine/random.js';

/** The row-major mask of `inside(x, y)` over height x width pixels. */
function maskOf(height: number, width: number, inside: (x: number, y: number) => boolean): number[] {
  return Array.from({ length: height * width }, (_, i) => (inside(i % width, Math.floor(i / width)) ? 1 : 0));
}
const polygonMask = (xy: number[], height: number, width: number): number[] => [...rleDecode(rleFromPolygon(xy, height, width))];
const area = (mask: ArrayLike<number>): number => Array.prototype.reduce.call(mask, (a: number, v: unknown) => a + (v as number), 0) as number;

test('square (0,0)-(10,0)-(10,10)-(0,10) on 20x20: pixels 0..9 in x and y, 100 of them, counts by hand', () => {
  // Pixel i covers [i, i+1) and is in when its centre i + 0.5 is inside: columns and rows 0..9.
  const rle = rleFromPolygon([0, 0, 10, 0, 10, 10, 0, 10], 20, 20);
  assert.deepEqual(polygonMask([0, 0, 10, 0, 10, 10, 0, 10], 20, 20), maskOf(20, 20, (x, y) => x < 10 && y < 10));
  // Column-major runs: no background before column 0's 10 object rows, then 10 background rows of column 0
  // and 10 object rows of column 1, ... through column 9, then column 9's last 10 rows and columns 10..19.
  assert.deepEqual([...rle.counts], [0, 10, ...Array<number>(18).fill(10), 10 + 10 * 20]);
  assert.equal(area(rleDecode(rle)), 100);
});

test('triangle (0,0)-(10,0)-(0,10): centres on the hypotenuse are out (45 pixels); the other half has them (55)', () => {
  // Centre (x + .5, y + .5) is inside when x + y + 1 < 10. The 10 centres with x + y = 9 lie exactly on the
  // hypotenuse, which is this triangle's lower side: maskApi.c puts a boundary that passes exactly through
  // a centre at the first row at or below it, so the centre goes to the object above the line.
  // Count: sum over x = 0..9 of (9 - x) = 45.
  const lower = polygonMask([0, 0, 10, 0, 0, 10], 10, 10);
  assert.deepEqual(lower, maskOf(10, 10, (x, y) => x + y <= 8));
  assert.equal(area(lower), 45);
  // (0,10)-(10,0)-(10,10): x + y >= 9, 100 - 45 = 55 pixels; the two triangles tile the square exactly.
  const upper = polygonMask([0, 10, 10, 0, 10, 10], 10, 10);
  assert.deepEqual(upper, maskOf(10, 10, (x, y) => x + y >= 9));
  assert.equal(area(upper), 55);
  // From maskApi.c: [0, 9, 11, 8, 12, ...] -- column x has 9 - x object rows.
  assert.deepEqual([...rleFromPolygon([0, 0, 10, 0, 0, 10], 10, 10).counts], [0, 9, 1, 8, 2, 7, 3, 6, 4, 5, 5, 4, 6, 3, 7, 2, 8, 1, 19]);
});

test('half-pixel vertices snap up to the 1/5 grid: (0.5,0.5)-(3.5,3.5) is pixels 1..3, not 0..3', () => {
  // 5 * 0.5 + .5 = 3 and 5 * 3.5 + .5 = 18 (the C's (int)(5x + .5)): the square becomes [0.6, 3.6] in both
  // axes, so centres 0.5 are out and 3.5 are in: 3 x 3 pixels. maskApi.c: 6 3 2 3 2 3 6.
  assert.deepEqual(polygonMask([0.5, 0.5, 3.5, 0.5, 3.5, 3.5, 0.5, 3.5], 5, 5), maskOf(5, 5, (x, y) => x >= 1 && x <= 3 && y >= 1 && y <= 3));
  assert.deepEqual([...rleFromPolygon([0.5, 0.5, 3.5, 0.5, 3.5, 3.5, 0.5, 3.5], 5, 5).counts], [6, 3, 2, 3, 2, 3, 6]);
  // Rows clamp to the image: x 1..3 reaching below (y to 10) or above (y from -3) a 4x4 image is columns
  // 1..2, rows 1..3 (column-major 5 3 1 3 4) or rows 0..1 (4 2 2 2 6); maskApi.c gives the same.
  assert.deepEqual([...rleFromPolygon([1, 1, 3, 1, 3, 10, 1, 10], 4, 4).counts], [5, 3, 1, 3, 4]);
  assert.deepEqual([...rleFromPolygon([1, -3, 3, -3, 3, 2, 1, 2], 4, 4).counts], [4, 2, 2, 2, 6]);
  // The whole image: vertices on the image corners cover every pixel (maskApi.c: 0 12).
  assert.deepEqual([...rleFromPolygon([0, 0, 4, 0, 4, 3, 0, 3], 3, 4).counts], [0, 12]);
});

test('irregular polygons give maskApi.c counts exactly: off-grid vertices, vertices outside the image, a repeated vertex, either winding', () => {
  // From maskApi.c rleFrPoly (h 6, w 7).
  assert.deepEqual([...rleFromPolygon([1.3, 0.7, 6.6, 1.2, 4.1, 5.9], 6, 7).counts], [13, 2, 4, 4, 2, 4, 2, 2, 9]);
  // h 5, w 6: the C's rounding of 5 * 0.1, 5 * 0.9, ... (all .5 boundary cases of (int)(5x + .5)).
  assert.deepEqual([...rleFromPolygon([3.3, 0.1, 5.9, 2.7, 1.7, 4.3, 0.9, 1.9], 5, 6).counts], [7, 1, 3, 3, 1, 4, 2, 2, 4, 1, 2]);
  // h 7, w 8: concave, partly outside the image (negative coordinates truncate toward zero in the C), with
  // a repeated vertex (a zero-length edge, 0 / 0 in the C), walked both ways round.
  const concave = [-1.25, 2.5, 3.5, -0.75, 3.5, -0.75, 8.45, 3.05, 4.0, 2.0, 6.2, 7.3, 0.35, 6.65];
  const expected = [1, 6, 1, 22, 1, 4, 1, 1, 4, 1, 2, 1, 6, 1, 4];
  assert.deepEqual([...rleFromPolygon(concave, 7, 8).counts], expected);
  // h 25, w 7, a vertex left of the image: (int)(5 * -1.98 + .5) = (int)(-9.4) = -9 in the C (toward zero;
  // floor would give -10 and move column 2's boundary by one pixel: ..., 25, 2, ... instead of 25, 1).
  assert.deepEqual([...rleFromPolygon([-1.98, 5.7, 6.6, 20.0, -2.23, 10.322995896535875], 25, 7).counts], [10, 3, 23, 3, 24, 2, 25, 1, 25, 2, 25, 1, 31]);
  const reversed: number[] = [];
  for (let i = concave.length - 2; i >= 0; i -= 2) reversed.push(concave[i]!, concave[i + 1]!);
  assert.deepEqual([...rleFromPolygon(reversed, 7, 8).counts], expected);
});

test('an object of two polygons is their union: two 4x4 squares overlapping in 2x2 are 16 + 16 - 4 = 28 pixels', () => {
  const parts = segmentationParts([[0, 0, 4, 0, 4, 4, 0, 4], [2, 2, 6, 2, 6, 6, 2, 6]], 8, 8)!;
  assert.equal(parts.length, 2);
  const masks = decodeInstanceMasks(packSegmentations([parts], 8, 8)!);
  assert.deepEqual([...masks], maskOf(8, 8, (x, y) => (x < 4 && y < 4) || (x >= 2 && x < 6 && y >= 2 && y < 6)));
  assert.equal(area(masks), 28);
});

test('uncompressed RLE is column-major: size [2, 3], counts [1, 2, 1, 2]', () => {
  // Column-major pixel order (x, y): (0,0) (0,1) (1,0) (1,1) (2,0) (2,1) gets 0 | 1 1 | 0 | 1 1, so
  // row 0 is [0, 1, 1] and row 1 is [1, 0, 1].
  assert.deepEqual([...rleDecode(rleFromCounts([1, 2, 1, 2], 2, 3))], [0, 1, 1, 1, 0, 1]);
  // And back: rleEncode walks the same order.
  assert.deepEqual([...rleEncode([0, 1, 1, 1, 0, 1], 2, 3).counts], [1, 2, 1, 2]);
  assert.throws(() => rleFromCounts([1, 2, 1], 2, 3), (err: unknown) => err instanceof MaskFormatError && err.message === 'counts sum to 4, expected height * width = 2 * 3 = 6');
  assert.throws(() => rleFromCounts([1, -2, 7], 2, 3), (err: unknown) => err instanceof MaskFormatError && /counts\[1\] is -2/.test(err.message));
});

test('compressed strings: hand-decoded examples, a 50x70 pycocotools string, and encode -> decode round trips', () => {
  // [0, 1024]: 0 -> '0'; 1024 = 0 + 32 * (0 + 32 * 1): groups 0, 0, 1, the first two with the continuation
  // bit 0x20: '0' + 32 = 'P', 'P', '1'. [0, 6, 1, 3]: the fourth count is written as 3 - 6 = -3, one group
  // 29 (-3 in 5 bits) with the sign bit 0x10 set: '0' + 29 = 'M'. (maskApi.c rleToString gives the same.)
  assert.equal(rleToString({ height: 1, width: 1024, counts: Uint32Array.of(0, 1024) }), '0PP1');
  assert.equal(rleToString({ height: 1, width: 10, counts: Uint32Array.of(0, 6, 1, 3) }), '061M');
  assert.deepEqual([...rleFromString('0PP1', 1, 1024).counts], [0, 1024]);
  assert.deepEqual([...rleFromString('061M', 1, 10).counts], [0, 6, 1, 3]);
  // A 50x70 mask string written by pycocotools' encode (armengot/COCOtoolsFORK's README example). maskApi.c
  // rleFrString reads 366 counts summing to 3500 with 2346 object pixels, and rleToString writes the same string.
  const known = '0g05b08J4M2N2NA^O1`0OCO=0E090H080IO68DH;>@C>a0_O_O`0j0OWOF<:CM72I24NL43JM92FN;1ENKO72L0LO91J0MO92INO0NO122OO0M031O000NO31OO11MO40N011MO41MO21L06OL021L06OL021L06OL021L060J040L060J040L060J040L060J040L060J040L060J040L060KO31L060KO31L06OL021L06OL021L06OL021MO41MO21MO40N100NO310O00M0310O00NO1220NO92IONO91KOMO72M0<1EO:2GN63KM34OLM73JF<;=1G_O_Ob0=AC`07EH=1IO71H090F0:1DO>1_O1b0>2N2N3L6H]O';
  const rle = rleFromString(known, 50, 70);
  assert.equal(rle.counts.length, 366);
  assert.deepEqual([...rle.counts.subarray(0, 8)], [0, 23, 5, 41, 13, 35, 17, 32]);
  assert.deepEqual([...rle.counts.subarray(-4)], [13, 41, 5, 22]);
  assert.equal(area(rleDecode(rle)), 2346);
  assert.equal(rleToString(rle), known);
  // Random masks (blobs, so neighbouring columns differ by positive and negative amounts) survive
  // mask -> RLE -> string -> RLE -> mask.
  const rng = new Rng(5);
  for (let trial = 0; trial < 20; trial++) {
    const [h, w] = [1 + rng.int(40), 1 + rng.int(40)];
    const cx = rng.next() * w;
    const cy = rng.next() * h;
    const r = rng.next() * 20;
    const mask = maskOf(h, w, (x, y) => (x - cx) ** 2 + (y - cy) ** 2 < r * r || rng.next() < 0.05);
    const text = rleToString(rleEncode(mask, h, w));
    assert.deepEqual([...rleDecode(rleFromString(text, h, w))], mask, `trial ${trial}: ${text}`);
  }
});

test('malformed compressed strings are errors that say what was expected', () => {
  const rejects = (text: string, pattern: RegExp): void => assert.throws(() => rleFromString(text, 2, 3), (err: unknown) => err instanceof MaskFormatError && pattern.test(err.message), text);
  rejects('0P', /ends inside count 1/);
  rejects('0 6', /has " " at 1, expected characters '0' to 'o'/);
  rejects('05', /counts sum to 5, expected height \* width = 2 \* 3 = 6/);
  // The fourth count is written as -2 ('0' + 30, sign bit set): 1 + (-2) = -1.
  rejects('015N', /count 3 = -1/);
});
