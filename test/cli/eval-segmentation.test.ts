// `ash eval segmentation` through the built CLI on label PNGs written in their true formats by fast-png:
// VOC-style palette PNGs (the palette index is the class) and grey PNGs (ADE20K style).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { writeGreyPng, writePaletteMask } from '../helpers/annotation-fixtures.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function ash(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'eval', 'segmentation', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-evalseg-'));

/** gt/ and pred/ folders; each image given as [width, height, gt values, pred values]. */
function folders(images: Record<string, [number, number, number[], number[]]>): { gt: string; pred: string } {
  const root = tmp();
  const gt = join(root, 'gt');
  const pred = join(root, 'pred');
  mkdirSync(gt);
  mkdirSync(pred);
  for (const [stem, [w, h, g, p]] of Object.entries(images)) {
    writePaletteMask(join(gt, `${stem}.png`), w, h, Uint8Array.from(g));
    writeGreyPng(join(pred, `${stem}.png`), w, h, Uint8Array.from(p));
  }
  return { gt, pred };
}

/** A failure: exit 2, one line on stderr naming `where`, no stack trace. */
function assertUserError(r: ReturnType<typeof ash>, where: string, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.includes(where), `${lines[0]} should name ${where}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

// Two 2x2 images, 5 classes (row-major pixels):
//   a: gt 0 0 255 1   pred 0 1 2 1   (pixel 2 is ignore; its prediction 2 must not count)
//   b: gt 2 2 2 0     pred 2 2 0 3
// Summed over both:
//   class 0: label {a0,a1,b3} 3, pred {a0,b2} 2, intersect {a0} 1, union 3 + 2 - 1 = 4 -> 25
//   class 1: label {a3} 1, pred {a1,a3} 2, intersect 1, union 2                        -> 50
//   class 2: label {b0,b1,b2} 3, pred {b0,b1} 2, intersect 2, union 3                  -> 66.67
//   class 3: never labelled, predicted at b3: union 1, intersect 0                      -> 0
//   class 4: neither -> null, left out of the mean
//   mIoU = (25 + 50 + 66.67 + 0) / 4 = 35.42; aAcc = 4 / 7 = 57.14.
// Per image the means would be a: (100 + 50) / 2 = 75 and b: (0 + 66.67 + 0) / 3 = 22.22, averaging 48.6:
// the dataset-level number is not that.
const TWO = { a: [2, 2, [0, 0, 255, 1], [0, 1, 2, 1]], b: [2, 2, [2, 2, 2, 0], [2, 2, 0, 3]] } as Record<string, [number, number, number[], number[]]>;

test('--json gives the dataset-level scores by hand; an extra prediction is reported and ignored', () => {
  const { gt, pred } = folders(TWO);
  writeGreyPng(join(pred, 'c.png'), 2, 2, Uint8Array.of(9, 9, 9, 9)); // no ground truth: never read as labels
  writeFileSync(join(gt, 'README.txt'), 'not a label');
  const r = ash('--gt', gt, '--pred', pred, '--num-classes', '5', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { miou: number; pixelAcc: number; perClass: Record<string, number | null> };
  assert.deepEqual(Object.keys(out), ['miou', 'pixelAcc', 'perClass']);
  assert.ok(Math.abs(out.miou - (25 + 50 + 200 / 3 + 0) / 4) < 1e-9, String(out.miou));
  assert.ok(Math.abs(out.pixelAcc - 400 / 7) < 1e-9, String(out.pixelAcc));
  assert.equal(out.perClass['0'], 25);
  assert.equal(out.perClass['1'], 50);
  assert.ok(Math.abs(out.perClass['2']! - 200 / 3) < 1e-9);
  assert.equal(out.perClass['3'], 0);
  assert.equal(out.perClass['4'], null);
  assert.match(r.stderr, /1 prediction\(s\) without ground truth ignored: c\.png/);
});

test('text output and --class-names keys', () => {
  const { gt, pred } = folders(TWO);
  const names = join(tmp(), 'names.txt');
  writeFileSync(names, 'background\ncat\ndog\n\nbird\nfish\n');
  const text = ash('--gt', gt, '--pred', pred, '--num-classes', '5', '--class-names', names);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^dog +66\.67$/m);
  assert.match(text.stdout, /^fish +—$/m);
  assert.match(text.stdout, /mIoU 35\.42 +aAcc 57\.14 +\(2 images/);
  const json = JSON.parse(ash('--gt', gt, '--pred', pred, '--num-classes', '5', '--class-names', names, '--json').stdout) as { perClass: Record<string, number | null> };
  assert.deepEqual(Object.keys(json.perClass), ['background', 'cat', 'dog', 'bird', 'fish']);
  assert.equal(json.perClass.fish, null);
  writeFileSync(names, 'a\nb\n');
  assertUserError(ash('--gt', gt, '--pred', pred, '--num-classes', '5', '--class-names', names), names, /2 names, expected .* 5 classes/);
});

test('--reduce-zero-label reads ADE20K-style grey ground truth (0 = ignore, 1..N = classes 0..N-1)', () => {
  // Grey GT 0 1 2 3 -> 255 0 1 2; pred 1 0 1 0. Kept: (l0,p0) (l1,p1) (l2,p0).
  //   class 0: label 1, pred 2, intersect 1 -> 1/2 = 50; class 1: 1/1 = 100; class 2: label 1, pred 0 -> 0.
  //   mIoU = 50, aAcc = 2/3.
  const root = tmp();
  writeGreyPng(join(root, 'gt', 'ADE_val_1.png'), 4, 1, Uint8Array.of(0, 1, 2, 3));
  writeGreyPng(join(root, 'pred', 'ADE_val_1.png'), 4, 1, Uint8Array.of(1, 0, 1, 0));
  const r = ash('--gt', join(root, 'gt'), '--pred', join(root, 'pred'), '--num-classes', '3', '--reduce-zero-label', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { miou: number; pixelAcc: number; perClass: Record<string, number> };
  assert.deepEqual(out.perClass, { 0: 50, 1: 100, 2: 0 });
  assert.equal(out.miou, 50);
  assert.ok(Math.abs(out.pixelAcc - 200 / 3) < 1e-9);
  // Without the flag the same files read 0 as a class and 3 as out of range.
  const gtFile = join(root, 'gt', 'ADE_val_1.png');
  assertUserError(ash('--gt', join(root, 'gt'), '--pred', join(root, 'pred'), '--num-classes', '3'), gtFile, /pixel \(x 3, y 0\) is 3, not a class 0\.\.2/);
  writeGreyPng(gtFile, 4, 1, Uint8Array.of(0, 1, 2, 4));
  assertUserError(ash('--gt', join(root, 'gt'), '--pred', join(root, 'pred'), '--num-classes', '3', '--reduce-zero-label'), gtFile, /is 4 \(3 after --reduce-zero-label\)/);
});

test('bad input: one line naming the file, exit 2', () => {
  const base = (): { gt: string; pred: string } => folders({ a: [2, 1, [0, 1], [0, 1]] });

  let f = base();
  writeGreyPng(join(f.pred, 'a.png'), 1, 2, Uint8Array.of(0, 1));
  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '2'), join(f.pred, 'a.png'), /1x2, but its ground truth .*a\.png is 2x1/);

  f = base();
  writePaletteMask(join(f.gt, 'b.png'), 2, 1, Uint8Array.of(0, 0));
  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '2'), join(f.pred, 'b.png'), /missing prediction for ground truth/);

  f = base();
  writePaletteMask(join(f.gt, 'a.png'), 2, 1, Uint8Array.of(0, 7));
  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '2'), join(f.gt, 'a.png'), /ground-truth pixel \(x 1, y 0\) is 7, not a class 0\.\.1 nor the ignore index 255/);

  f = base();
  writeGreyPng(join(f.pred, 'a.png'), 2, 1, Uint8Array.of(2, 255)); // 255 is the ignore index: allowed; 2 is not
  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '2'), join(f.pred, 'a.png'), /predicted pixel \(x 0, y 0\) is 2/);

  f = base();
  writeFileSync(join(f.pred, 'a.png'), 'GIF89a not a png');
  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '2'), join(f.pred, 'a.png'), /not a readable PNG/);

  f = base();
  writeFileSync(join(f.gt, 'a.png'), encode({ width: 2, height: 1, data: Uint8Array.of(0, 0, 0, 9, 9, 9), channels: 3, depth: 8 }));
  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '2'), join(f.gt, 'a.png'), /8-bit palette or grey PNG, got 3 channel/);

  const empty = join(tmp(), 'empty');
  mkdirSync(empty);
  assertUserError(ash('--gt', empty, '--pred', base().pred, '--num-classes', '2'), empty, /no \.png label files/);

  f = base();
  assertUserError(ash('--gt', join(f.gt, 'a.png'), '--pred', f.pred, '--num-classes', '2'), join(f.gt, 'a.png'), /not a directory/);
  assertUserError(ash('--gt', f.gt, '--pred', join(f.pred, 'nope'), '--num-classes', '2'), join(f.pred, 'nope'), /no such directory/);

  // A linked prediction could point anywhere: it is refused, not followed.
  f = base();
  const outside = join(tmp(), 'outside.png');
  writeGreyPng(outside, 2, 1, Uint8Array.of(0, 1));
  writePaletteMask(join(f.gt, 'b.png'), 2, 1, Uint8Array.of(0, 0));
  symlinkSync(outside, join(f.pred, 'b.png'));
  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '2'), join(f.pred, 'b.png'), /symbolic link/);

  assertUserError(ash('--gt', f.gt, '--pred', f.pred, '--num-classes', '0'), '--num-classes', /integer from 1 to 256/);
});
