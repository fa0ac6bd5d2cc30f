// Detection results (result.json schema 2, task detection) in a report beside the paper's Table 5: our
// voc-detection runs of ssd300 compare with the paper's SSD column, mAP@50 in percent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown, renderReport, reportFromDir } from '../../src/report/index.js';
import { tf } from '../../src/engine/tf.js';
import { writeDetectionExamples } from '../../src/tasks/detection/examples.js';
import type { DetectionTestSet } from '../../src/tasks/detection/index.js';
import type { Detector } from '../../src/models/detection/types.js';
import { tempDir } from './fixtures.js';

// Table 5's SSD column (data/paper/table5-voc-detection.csv).
const PAPER_SSD: Record<string, number> = { relu: 67.3, lrelu: 68.4, prelu: 69.2, softplus: 69.4, elu: 69.3, selu: 69.9, gelu: 70.5, swish: 70.6, ash: 72.1 };

/** A detection job's result.json as the job process writes it (schema 2), with map and map75 null as VOC07 leaves them. */
function detectionResult(activation: string, seed: number, map50: number): Record<string, unknown> {
  const spec = {
    sweep: 'table5-voc-detection',
    label: activation === 'ash' ? 'ASH' : activation,
    task: 'detection',
    activation: { name: activation },
    model: 'ssd300',
    dataset: 'voc-detection',
    seed,
    backend: 'auto',
    train: { epochs: 1, batchSize: 32, optimizer: { name: 'sgd', lr: 0.001, momentum: 0.9, nesterov: false, weightDecay: 0.0005 }, schedule: 'cosine', bnMomentum: 0.9, augment: { crop: 4, flip: true } },
    data: {},
  };
  const metrics = { map50, map: null, map75: null };
  return {
    schema: 2,
    jobId: `${activation}-ssd300-voc-detection-s${seed}`,
    task: 'detection',
    primaryMetric: 'map50',
    status: 'ok',
    spec,
    metrics,
    perClass: { aeroplane: { ap50: map50, ap: null } },
    history: [{ epoch: 1, trainLoss: 3.2, lr: 0.001, seconds: 10, metrics }],
    env: { backend: 'wasm', versions: {} },
    startedAt: '2026-11-30T10:00:00.000Z',
    finishedAt: '2026-11-30T10:01:00.000Z',
  };
}

/** Writes the result of each (activation, seed) under root/table5-voc-detection; returns the job folders. */
function writeRuns(root: string, offsets: readonly number[]): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const [activation, mean] of Object.entries(PAPER_SSD)) {
    offsets.forEach((offset, i) => {
      const dir = join(root, 'table5-voc-detection', `${activation}-s${i + 1}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'result.json'), JSON.stringify(detectionResult(activation, i + 1, mean - 2 + offset)));
      dirs[`${activation}${i + 1}`] = dir;
    });
  }
  return dirs;
}

test('voc-detection ssd300 runs sit beside Table 5 (SSD column): ours, the paper, the difference; same ranking tau = 1', () => {
  const root = tempDir();
  // Two seeds, 2 points below the paper and 0.1 apart: mean = paper - 2.
  writeRuns(root, [-0.05, 0.05]);
  const report = reportFromDir(root, { paper: 'table5-voc-detection' });
  assert.deepEqual(report.notes.filter((n) => /not compared/.test(n)), []);
  const table = report.sweeps[0]!.tables[0]!;
  assert.equal(table.metric.key, 'map50');
  const column = table.columns[0]!;
  assert.equal(column.paperModel, 'ssd');
  assert.equal(column.verdict.paper!.pairs, 9);
  assert.ok(Math.abs(column.verdict.paper!.tau! - 1) < 1e-12);
  const md = renderMarkdown(report);
  assert.ok(md.includes('### PASCAL VOC: mAP@50 (%)'), md);
  assert.ok(/\| Activation \| [^|]+ \| paper \| Δ ours − paper \|/.test(md), md);
  // ASH: 70.05 and 70.15 -> 70.10 ± t(0.975, 1) * 0.0707 / sqrt(2) = 12.706 * 0.05 = 0.64; paper 72.1 (its SSD CI is cut off: —); -2.00.
  assert.ok(md.includes('| ASH | **70.10 ± 0.64** | 72.10 ± — | -2.00 |'), md);
});

test('html report: detection examples (boxes drawn) in a grid per model and dataset, with the detection caption', async () => {
  await tf.setBackend('cpu');
  const root = tempDir();
  const dirs = writeRuns(root, [0]);
  // One 8x8 grey image with one object; a fake detector finds it exactly (input 8x8, so no scaling).
  const records = [{ id: 'img', file: '', width: 8, height: 8, boxes: Float32Array.from([2, 2, 4, 4]), classes: Int32Array.from([0]), flags: new Uint8Array(1) }];
  const test: DetectionTestSet = {
    source: { count: 1, channels: 1, id: () => 'img', scene: async () => ({ width: 8, height: 8, channels: 1, pixels: new Uint8Array(64).fill(90), boxes: records[0]!.boxes, classes: records[0]!.classes, flags: records[0]!.flags }) },
    records,
    classNames: ['thing'],
    mean: [0],
    std: [1],
    protocol: 'voc07',
  };
  const detector: Detector = {
    inputSize: [8, 8],
    numClasses: 1,
    encodeTargets: () => ({ truth: [], tensors: {} }),
    loss: () => {
      throw new Error('not for training');
    },
    detect: () => [{ boxes: Float32Array.from([2, 2, 6, 6]), scores: Float32Array.from([0.9]), classes: Int32Array.from([0]) }],
  };
  await writeDetectionExamples(detector, test, dirs.relu1!);
  await writeDetectionExamples(detector, test, dirs.ash1!);
  const html = await renderReport(reportFromDir(root), 'html');
  assert.deepEqual(html.match(/<figure data-examples="[^"]*">/g) ?? [], ['<figure data-examples="ssd300/voc-detection">']);
  assert.ok(html.includes('<tr><th>Image</th><th>Input</th><th>Ground truth</th><th title="seed 1">ReLU</th><th title="seed 1">ASH</th></tr>'), html.slice(0, 500));
  assert.ok(html.includes("each activation's detections scoring 0.3 or more"));
  // input, ground truth and the two activations' pictures.
  assert.equal((html.match(/<img /g) ?? []).length, 4);
});

test('mAPs below 1% stay as they are (detection results are percent; only schema-1 classification results were fractions)', () => {
  const root = tempDir();
  const dir = join(root, 'early', 'relu-s1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'result.json'), JSON.stringify(detectionResult('relu', 1, 0.65)));
  const report = reportFromDir(root);
  assert.deepEqual(report.notes.filter((n) => /fraction/.test(n)), []);
  assert.ok(renderMarkdown(report).includes('| ReLU | **0.65 ± —** |'), renderMarkdown(report));
});
