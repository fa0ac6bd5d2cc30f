// Decode throughput of each dataset reader, and the decoded-tensor cache's cold vs warm start.
// Run: npx tsx bench/datasets.ts [--images 400] [--keep DIR]
// Data are written in each true format into a temporary folder first (CIFAR binary records of the official
// size, JPEGs of ImageNet-like size, VOC XML, a COCO JSON of val2017's size, palette PNG masks); the real
// Fashion-MNIST is used when Debian's dataset-fashion-mnist is installed. Times are wall-clock medians of 3.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { getDataset } from '../src/data/registry.js';
import { loadVocDetection } from '../src/data/voc.js';
import { loadCoco } from '../src/data/coco.js';
import { readMask } from '../src/data/mask.js';
import { composeScenes } from '../src/data/fashion-scenes.js';
import { mapLimit } from '../src/data/map-limit.js';
import { vocXml, writePaletteMask } from '../test/helpers/annotation-fixtures.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '400' }, keep: { type: 'string' } } });
const IMAGES = Number(values.images);
const root = values.keep ?? mkdtempSync(join(tmpdir(), 'ash-bench-data-'));
const quiet = (): void => undefined;

async function median3(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[1]!;
}

const rows: string[][] = [];
function report(reader: string, what: string, count: number, seconds: number): void {
  rows.push([reader, what, String(count), seconds.toFixed(3), Math.round(count / seconds).toLocaleString('en-US')]);
  process.stderr.write(`${reader}: ${what}: ${count} in ${seconds.toFixed(3)} s\n`);
}

function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** A photo-like image: smooth gradients plus mild noise (JPEG sizes like ImageNet's). */
async function photo(file: string, w: number, h: number, seed: number): Promise<void> {
  const px = Buffer.alloc(w * h * 3);
  const n = noise(w * h * 3, seed);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    const i = (y * w + x) * 3 + c;
    px[i] = (((x * (c + 1) + y * (3 - c) + seed * 17) >> 1) + (n[i]! >> 3)) & 255;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
}

// --- IDX (real Fashion-MNIST when installed)
if (existsSync('/usr/share/datasets/fashion-mnist')) {
  const t = await median3(() => getDataset('fashion-mnist').load({}));
  report('fashion-mnist (IDX, gz)', 'load 60k+10k', 70000, t);
  const items = await getDataset('fashion-mnist').load({ testLimit: 1 });
  const ts = await median3(async () => composeScenes(items.train, 5000, 'train'));
  report('fashion-scenes', 'compose 64x64 scenes', 5000, ts);
}

// --- CIFAR-10 binary, official sizes (5 x 10000 + 10000 records)
{
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  const record = 3073;
  for (const [i, name] of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'].entries()) {
    const bytes = noise(10000 * record, i + 1);
    for (let r = 0; r < 10000; r++) bytes[r * record] = r % 10;
    writeFileSync(join(dir, name), bytes);
  }
  const t = await median3(() => getDataset('cifar10').load({ dataDir: root, warn: quiet }));
  report('cifar10 (binary)', 'load 50k+10k', 60000, t);
}

// --- imagefolder: ImageNet-like JPEGs (500x375), 224 centre crop of the 256 resize; cold vs warm cache
{
  const dir = join(root, 'imagenet');
  const classes = 10;
  const perSplit = { train: IMAGES, val: Math.max(classes, Math.round(IMAGES / 4)) };
  let seed = 0;
  for (const [split, n] of Object.entries(perSplit)) {
    await mapLimit(Array.from({ length: n }, (_, i) => i), 4, (i) => photo(join(dir, split, `n${String(i % classes).padStart(8, '0')}`, `${split}_${i}.JPEG`), 500, 375, seed + i));
    seed += n;
  }
  const total = perSplit.train + perSplit.val;
  const cacheDir = join(root, 'cache');
  const tNo = await median3(() => getDataset('imagefolder').load({ dataDir: dir, cacheDir: false }));
  report('imagefolder 500x375 JPEG -> 224', 'decode+resize+crop, no cache', total, tNo);
  rmSync(cacheDir, { recursive: true, force: true });
  const t0 = performance.now();
  await getDataset('imagefolder').load({ dataDir: dir, cacheDir });
  report('imagefolder 500x375 JPEG -> 224', 'cold (decode + write cache)', total, (performance.now() - t0) / 1000);
  const tw = await median3(() => getDataset('imagefolder').load({ dataDir: dir, cacheDir }));
  report('imagefolder 500x375 JPEG -> 224', 'warm (cache hit)', total, tw);
}

// --- tiny-imagenet layout: 64x64 JPEGs at native size
{
  const dir = join(root, 'tiny');
  const n = IMAGES * 4;
  await mapLimit(Array.from({ length: n }, (_, i) => i), 4, (i) => photo(join(dir, 'train', `n${i % 20}`, 'images', `t_${i}.JPEG`), 64, 64, i));
  mkdirSync(join(dir, 'val', 'images'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < 100; i++) {
    await photo(join(dir, 'val', 'images', `val_${i}.JPEG`), 64, 64, 10000 + i);
    lines.push(`val_${i}.JPEG\tn${i % 20}\t0\t0\t63\t63`);
  }
  writeFileSync(join(dir, 'val', 'val_annotations.txt'), `${lines.join('\n')}\n`);
  const cacheDir = join(root, 'cache-tiny');
  const tNo = await median3(() => getDataset('tiny-imagenet').load({ dataDir: dir, cacheDir: false }));
  report('tiny-imagenet 64x64 JPEG', 'decode, no cache', n + 100, tNo);
  await getDataset('tiny-imagenet').load({ dataDir: dir, cacheDir });
  const tw = await median3(() => getDataset('tiny-imagenet').load({ dataDir: dir, cacheDir }));
  report('tiny-imagenet 64x64 JPEG', 'warm (cache hit)', n + 100, tw);
}

// --- VOC XML annotations (VOC2007 trainval has 5011)
{
  const dir = join(root, 'VOCdevkit', 'VOC2007');
  mkdirSync(join(dir, 'Annotations'), { recursive: true });
  mkdirSync(join(dir, 'ImageSets', 'Main'), { recursive: true });
  const ids = Array.from({ length: 5011 }, (_, i) => String(i).padStart(6, '0'));
  for (const [i, id] of ids.entries()) {
    const objects = Array.from({ length: 1 + (i % 4) }, (_, k) => ({ name: ['dog', 'person', 'car', 'chair'][k]!, xmin: 1 + k, ymin: 2 + k, xmax: 200 + k, ymax: 150 + k, difficult: (k % 2) as 0 | 1 }));
    writeFileSync(join(dir, 'Annotations', `${id}.xml`), vocXml({ id, width: 500, height: 375, objects }));
  }
  writeFileSync(join(dir, 'ImageSets', 'Main', 'trainval.txt'), `${ids.join('\n')}\n`);
  const t = await median3(() => loadVocDetection({ dataDir: join(root) }));
  report('voc-detection (XML)', 'parse annotations', ids.length, t);
}

// --- COCO instances JSON of val2017's size (5000 images, ~36.8k annotations)
{
  const images = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, file_name: `${String(i + 1).padStart(12, '0')}.jpg`, width: 640, height: 480 }));
  const annotations = Array.from({ length: 36781 }, (_, i) => ({
    id: i + 1,
    image_id: (i % 5000) + 1,
    category_id: (i % 80) + 1,
    bbox: [10.5 + (i % 300), 20.25, 100.5, 80.75],
    area: 8115.375,
    iscrowd: i % 100 === 0 ? 1 : 0,
    segmentation: [[10, 20, 110, 20, 110, 100, 10, 100]],
  }));
  const categories = Array.from({ length: 80 }, (_, i) => ({ id: i + 1, name: `c${i + 1}`, supercategory: 's' }));
  mkdirSync(join(root, 'coco', 'annotations'), { recursive: true });
  writeFileSync(join(root, 'coco', 'annotations', 'instances_val2017.json'), JSON.stringify({ images, annotations, categories }));
  const t = await median3(() => loadCoco({ dataDir: join(root, 'coco'), warn: quiet }));
  report('coco (instances JSON, val2017 size)', 'parse images', images.length, t);
}

// --- Palette PNG masks (VOC / ADE20K style), 500x375
{
  const dir = join(root, 'masks');
  const files: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const data = new Uint8Array(500 * 375);
    for (let p = 0; p < data.length; p++) data[p] = ((p % 500) >> 5) + (Math.floor(p / 500) >> 6) === i % 7 ? 255 : ((p >> 7) + i) % 21;
    const file = join(dir, `${i}.png`);
    mkdirSync(dir, { recursive: true });
    writePaletteMask(file, 500, 375, data);
    files.push(file);
  }
  const t = await median3(() => mapLimit(files, 4, (f) => readMask(f, 'voc', 21)));
  report('masks (palette PNG 500x375)', 'decode', files.length, t);
}

const header = ['reader', 'what', 'count', 'seconds', 'per second'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 4}\n`);
process.stdout.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);
if (!values.keep) rmSync(root, { recursive: true, force: true });
