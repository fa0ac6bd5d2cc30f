// `ash eval detection` through the built CLI, on ground truth and results written in their true formats: a
// COCO instances JSON with a COCO results JSON, and a VOCdevkit year folder with devkit comp4 result files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCocoSplit, writeVocDevkit } from '../helpers/annotation-fixtures.js';
import { VOC_CLASSES } from '../../src/data/voc.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function ash(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'eval', 'detection', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A refusal: exit 2, one line on stderr matching `pattern`, no stack trace. */
function assertRefused(r: ReturnType<typeof ash>, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

interface Report {
  metric: string;
  map: number | null;
  map50: number | null;
  map75: number | null;
  perClass: { name: string; id?: number; ap: number | null; ap50: number | null }[];
}

const near = (actual: number | null, expected: number): boolean => actual !== null && Math.abs(actual - expected) < 1e-9;

const root = mkdtempSync(join(tmpdir(), 'ash-eval-det-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

// COCO: category 1 (cat) has two objects, g1 [0,0,10,10] and g2 [50,50,10,10]; category 3 (dog) has none.
// Detections: two on g1 (0.9, 0.8: the second a duplicate), one on g2 (0.7), one dog (0.95).
// cat: TP, FP, TP at every IoU threshold: AP = (51 * 1 + 50 * 2/3) / 101 = 253/303 (coco-eval.test.ts has
// the steps); dog has no ground truth and is left out: mAP = 83.498...%.
const cocoGt = writeCocoSplit(join(root, 'coco'), 'val2017', {
  images: [{ id: 7, file_name: '7.jpg', width: 100, height: 100 }, { id: 8, file_name: '8.jpg', width: 100, height: 100 }],
  annotations: [
    { id: 1, image_id: 7, category_id: 1, bbox: [0, 0, 10, 10], iscrowd: 0, area: 100 },
    { id: 2, image_id: 7, category_id: 1, bbox: [50, 50, 10, 10], iscrowd: 0, area: 100 },
  ],
  categories: [{ id: 1, name: 'cat', supercategory: 'animal' }, { id: 3, name: 'dog', supercategory: 'animal' }],
});
const cocoResults = [
  { image_id: 7, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 },
  { image_id: 7, category_id: 1, bbox: [0, 0, 10, 10], score: 0.8 },
  { image_id: 7, category_id: 1, bbox: [50, 50, 10, 10], score: 0.7 },
  { image_id: 8, category_id: 3, bbox: [5, 5, 20, 20], score: 0.95 },
];
function writeResults(name: string, results: unknown): string {
  const file = join(root, name);
  writeFileSync(file, JSON.stringify(results));
  return file;
}

test('COCO: --json prints map, map50, map75 and per-class AP in percent', () => {
  const r = ash(['--gt', cocoGt, '--pred', writeResults('results.json', cocoResults), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.metric, 'coco');
  const ap = (253 / 303) * 100;
  assert.ok(near(report.map, ap) && near(report.map50, ap) && near(report.map75, ap), r.stdout);
  assert.equal(report.perClass.length, 2);
  assert.deepEqual([report.perClass[0]!.name, report.perClass[0]!.id], ['cat', 1]);
  assert.ok(near(report.perClass[0]!.ap, ap) && near(report.perClass[0]!.ap50, ap));
  assert.deepEqual(report.perClass[1], { name: 'dog', id: 3, ap: null, ap50: null });
});

test('COCO: the text report', () => {
  const r = ash(['--gt', cocoGt, '--pred', join(root, 'results.json')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 images, 2 categories, 2 objects; .*results\.json, 4 detections/);
  assert.match(r.stdout, /mAP@\[\.50:\.95\]\s+83\.50\n/);
  assert.match(r.stdout, /\ncat\s+83\.50\s+83\.50\n/);
  assert.match(r.stdout, /\ndog\s+-\s+-\n/);
});

test('COCO: a results entry without a bbox, an unknown image or category are refused with the file and entry named', () => {
  const missingBox = cocoResults.map((e, i) => (i === 1 ? { image_id: e.image_id, category_id: e.category_id, score: e.score } : e));
  assertRefused(ash(['--gt', cocoGt, '--pred', writeResults('no-bbox.json', missingBox)]), /no-bbox\.json: entry 1: field 'bbox' is missing \(expected \[x, y, width, height\]/);
  const badImage = [...cocoResults, { image_id: 99, category_id: 1, bbox: [0, 0, 1, 1], score: 0.1 }];
  assertRefused(ash(['--gt', cocoGt, '--pred', writeResults('bad-image.json', badImage)]), /bad-image\.json: entry 4: image_id 99 is not an image of .*instances_val2017\.json/);
  const badCategory = [{ image_id: 7, category_id: 2, bbox: [0, 0, 1, 1], score: 0.1 }];
  assertRefused(ash(['--gt', cocoGt, '--pred', writeResults('bad-cat.json', badCategory)]), /bad-cat\.json: entry 0: category_id 2 is not a category of /);
  assertRefused(ash(['--gt', cocoGt, '--pred', join(root, 'absent.json')]), /absent\.json: no such file \(expected a COCO results JSON/);
});

// VOC2007 test split: image 000001 holds cats g1 [1,1,10,10] and g2 [2,1,11,10] and a difficult dog
// [20,20,40,40]; 000002 holds nothing. Cat detections: two exactly on g1 (0.9, 0.8). The second one's best
// overlap is g1, already taken: FP (even though g2, free, overlaps it by 90/110). Recall 0.5, 0.5 and
// precision 1, 0.5: 11-point AP 6/11, all-point AP 0.5 (voc-eval.test.ts has the steps). The dog
// detection hits a difficult object only and the dog class has no positives: left out. So mAP@0.5 is
// 54.5454...% with the VOC07 metric and 50% with the 2010+ one.
async function writeVoc(): Promise<{ gt: string; pred: string }> {
  const gt = await writeVocDevkit(join(root, 'voc'), 'VOC2007', {
    test: [
      { id: '000001', width: 50, height: 50, objects: [{ name: 'cat', xmin: 1, ymin: 1, xmax: 10, ymax: 10 }, { name: 'cat', xmin: 2, ymin: 1, xmax: 11, ymax: 10 }, { name: 'dog', xmin: 20, ymin: 20, xmax: 40, ymax: 40, difficult: 1 }] },
      { id: '000002', width: 50, height: 50, objects: [] },
    ],
  });
  const pred = join(root, 'voc-results');
  mkdirSync(pred, { recursive: true });
  const lines: Record<string, string> = { cat: '000001 0.900 1.0 1.0 10.0 10.0\n000001 0.800 1.0 1.0 10.0 10.0\n', dog: '000001 0.700 20.0 20.0 40.0 40.0\n' };
  for (const c of VOC_CLASSES) writeFileSync(join(pred, `comp4_det_test_${c}.txt`), lines[c] ?? '');
  return { gt, pred };
}

test('VOC: VOC2007 is scored with the 11-point AP by default, --metric voc12 with the all-point AP', async () => {
  const { gt, pred } = await writeVoc();
  const r07 = ash(['--gt', gt, '--pred', pred, '--json']);
  assert.equal(r07.status, 0, r07.stderr);
  const report = JSON.parse(r07.stdout) as Report;
  assert.equal(report.metric, 'voc07');
  assert.ok(near(report.map50, (6 / 11) * 100), r07.stdout);
  assert.equal(report.map, null);
  assert.equal(report.map75, null);
  assert.deepEqual(report.perClass.map((c) => c.name), VOC_CLASSES);
  assert.ok(near(report.perClass.find((c) => c.name === 'cat')!.ap50, (6 / 11) * 100));
  assert.equal(report.perClass.find((c) => c.name === 'dog')!.ap50, null);

  const r12 = ash(['--gt', join(root, 'voc'), '--pred', pred, '--metric', 'voc12', '--split', 'test']);
  assert.equal(r12.status, 0, r12.stderr);
  assert.match(r12.stdout, /VOC2010\+ all-point AP at IoU > 0\.5: VOC2007 test, 2 images, 3 objects; .*voc-results, 3 detections/);
  assert.match(r12.stdout, /mAP@\.50\s+50\.00\n/);
  assert.match(r12.stdout, /\ncat\s+50\.00\n/);
});

test('VOC: a bad result line, an unknown image, a missing class file or split are refused by name', async () => {
  const { gt, pred } = await writeVoc();
  const bird = join(pred, 'comp4_det_test_bird.txt');
  writeFileSync(bird, '000001 0.9 1 1 10 10\n000001 0.9 1 1 10\n');
  assertRefused(ash(['--gt', gt, '--pred', pred]), /comp4_det_test_bird\.txt:2: expected 'image score xmin ymin xmax ymax' \(an image id and five numbers\), got '000001 0\.9 1 1 10'/);
  writeFileSync(bird, '\n000009 0.9 1 1 10 10\n');
  assertRefused(ash(['--gt', gt, '--pred', pred]), /comp4_det_test_bird\.txt:2: image '000009' is not in .*ImageSets\/Main\/test\.txt/);
  rmSync(bird);
  assertRefused(ash(['--gt', gt, '--pred', pred]), /voc-results: missing comp4_det_test_bird\.txt \(the devkit expects one file per class/);
  assertRefused(ash(['--gt', gt, '--pred', pred, '--split', 'val']), /ImageSets\/Main\/val\.txt: no such split list \(splits here: test\)/);
  assertRefused(ash(['--gt', gt, '--pred', pred, '--metric', 'coco']), /a folder, but --metric coco needs a COCO instances JSON file/);
});
