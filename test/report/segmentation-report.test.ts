// Reports of segmentation sweeps: mIoU tables shaped like the paper's Tables 6-7 with the paper side by side,
// a CPU stand-in dataset compared by ranking (--paper-dataset), and the example predictions in the html page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport, reportFromDir } from '../../src/report/index.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { tf } from '../../src/engine/tf.js';
import { writeSegmentationExamples } from '../../src/tasks/segmentation/examples.js';
import { frozenSignModel, handSegmentationData } from '../helpers/segmentation-fixtures.js';
import { tempDir } from './fixtures.js';

interface SegRun {
  sweep: string;
  activation: string;
  model: string;
  dataset: string;
  seed: number;
  miou: number;
  paper?: string;
}

/** Writes <root>/<sweep>/<jobId>/result.json (schema 2, task segmentation) as the job process does; returns the job folder. */
function writeSegResult(root: string, run: SegRun): string {
  const jobId = `${run.activation}-${run.model}-${run.dataset}-s${run.seed}`;
  const dir = join(root, run.sweep, jobId);
  mkdirSync(dir, { recursive: true });
  const spec: Record<string, unknown> = {
    sweep: run.sweep,
    label: run.activation,
    task: 'segmentation',
    activation: { name: run.activation },
    model: run.model,
    dataset: run.dataset,
    seed: run.seed,
    train: {
      epochs: 1,
      batchSize: 16,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
      schedule: 'cosine',
      bnMomentum: 0.9,
      augment: { crop: 4, flip: true },
    },
    data: {},
    backend: 'cpu',
  };
  if (run.paper) spec.paper = run.paper;
  const metrics = { miou: run.miou, pixelAcc: 90, valLoss: 0.5 };
  const result = {
    schema: 2,
    jobId,
    task: 'segmentation',
    primaryMetric: 'miou',
    status: 'ok',
    spec,
    metrics,
    perClass: { background: { iou: 95 }, thing: { iou: null } },
    history: [{ epoch: 1, trainLoss: 0.6, lr: 0, seconds: 10, metrics }],
    env: { backend: 'cpu', versions: { '@tensorflow/tfjs-core': '4.22.0' } },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  };
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return dir;
}

test('a VOC segmentation sweep naming table7 is compared column by column with the paper', () => {
  const root = tempDir();
  // ReLU and ASH on the three paper-size models, 2 seeds each; ours = the paper's value - 10 +- 0.1.
  const paper: Record<string, Record<string, number>> = {
    relu: { unet: 74.3, 'deeplabv3plus-resnet101': 76.0, 'efficientnet-b0-unet': 78.1 },
    ash: { unet: 81.2, 'deeplabv3plus-resnet101': 83.2, 'efficientnet-b0-unet': 85.5 },
  };
  for (const [activation, models] of Object.entries(paper)) {
    for (const [model, value] of Object.entries(models)) {
      for (const [seed, jitter] of [[1, -0.1], [2, 0.1]] as const) {
        writeSegResult(root, { sweep: 'table7-voc-segmentation', activation, model, dataset: 'voc-segmentation', seed, miou: value - 10 + jitter, paper: 'table7-voc-segmentation' });
      }
    }
  }
  const report = reportFromDir(root);
  const table = report.sweeps[0]!.tables[0]!;
  assert.equal(table.metric.key, 'miou');
  assert.equal(table.title, 'PASCAL VOC: mIoU (%)');
  assert.deepEqual(table.notes, []);
  // Columns in the paper's order with the paper's names; rows ReLU then ASH.
  assert.deepEqual(table.columns.map((c) => [c.model, c.paperModel, c.title]), [
    ['unet', 'unet', 'U-Net'],
    ['deeplabv3plus-resnet101', 'deeplabv3plus', 'DeepLabV3+ (deeplabv3plus-resnet101)'],
    ['efficientnet-b0-unet', 'efficientnet', 'EfficientNet (efficientnet-b0-unet)'],
  ]);
  assert.deepEqual(table.rows.map((r) => r.label), ['ReLU', 'ASH']);
  // ASH on DeepLabV3+: ours 73.1, 73.3 -> 73.20 ± 12.706 * 0.1414 / sqrt(2) = 1.27; paper 83.2 ± 0.04; Δ -10.00.
  const md = renderMarkdown(report);
  // Ours, the paper's value and the difference in separate columns, per model.
  assert.match(md, /\| ASH \| \*\*71\.20 ± 1\.27\*\* \| 81\.20 ± 0\.04 \| -10\.00 \| \*\*73\.20 ± 1\.27\*\* \| 83\.20 ± 0\.04 \| -10\.00 \| \*\*75\.50 ± 1\.27\*\* \| 85\.50 ± 0\.05 \| -10\.00 \|/);
  for (const column of table.columns) {
    assert.equal(column.verdict.paper!.pairs, 2);
    assert.equal(column.verdict.paper!.tau, 1);
    assert.equal(column.verdict.ashBest, true);
  }
});

test('fashion-scenes stands in for ADE20K only when asked (--paper-dataset), with a note; small models mapped by --paper-model', () => {
  const root = tempDir();
  for (const [activation, miou] of [['relu', 40], ['swish', 42], ['ash', 45]] as const) {
    for (const seed of [1, 2]) writeSegResult(root, { sweep: 'cpu', activation, model: 'unet-small', dataset: 'fashion-scenes', seed, miou: miou + seed / 10 });
  }
  const plain = reportFromDir(root, { paper: 'table6-ade20k', paperModel: 'unet-small=unet' }).sweeps[0]!.tables[0]!;
  assert.equal(plain.paper, undefined);
  assert.deepEqual(plain.notes, ['table6-ade20k reports ADE20K, this table is fashion-scenes: not compared']);
  const standIn = reportFromDir(root, { paper: 'table6-ade20k', paperModel: 'unet-small=unet', paperDataset: 'fashion-scenes' }).sweeps[0]!.tables[0]!;
  assert.equal(standIn.paper!.id, 'table6-ade20k');
  assert.match(standIn.notes[0]!, /^fashion-scenes stands in for ADE20K \(--paper-dataset\): the values are not comparable, compare the ranking/);
  const column = standIn.columns[0]!;
  assert.equal(column.paperModel, 'unet');
  // Ours ReLU < Swish < ASH, the paper's U-Net column 49.4 < 51.3 < 53.4: the same order, tau = 1.
  assert.equal(column.verdict.paper!.pairs, 3);
  assert.equal(column.verdict.paper!.tau, 1);
  assert.deepEqual([column.verdict.paper!.ashBest, column.verdict.ashBest], [true, true]);
});

test('html report: a grid of example predictions per (model, dataset), input and ground truth once, activations in paper order', async () => {
  await tf.setBackend('cpu');
  const root = tempDir();
  const model = frozenSignModel();
  const data = handSegmentationData();
  const dirs: Record<string, string> = {};
  for (const [activation, seed] of [['ash', 1], ['relu', 1], ['relu', 2], ['ash', 2]] as const) {
    dirs[`${activation}${seed}`] = writeSegResult(root, { sweep: 'seg', activation, model: 'unet-small', dataset: 'fashion-scenes', seed, miou: 40 });
  }
  // Seed 1 of each activation has examples; relu seed 2 has an index naming a file outside examples/ (ignored).
  await writeSegmentationExamples(model, data, data.val, dirs.ash1!);
  await writeSegmentationExamples(model, data, data.val, dirs.relu1!);
  mkdirSync(join(dirs.relu2!, 'examples'));
  writeFileSync(join(dirs.relu2!, 'examples', 'index.json'), JSON.stringify({ schema: 1, kind: 'segmentation', classNames: [], images: [{ id: 'a', input: '../result.json', label: 'x.png', prediction: 'x.png' }] }));
  model.dispose();
  const html = await renderReport(reportFromDir(root), 'html');
  const grids = html.match(/<figure data-examples="[^"]*">/g) ?? [];
  assert.deepEqual(grids, ['<figure data-examples="unet-small/fashion-scenes">']);
  // Header: the image, its input and ground truth, then ReLU before ASH (the paper's order), from seed 1.
  assert.ok(html.includes('<tr><th>Image</th><th>Input</th><th>Ground truth</th><th title="seed 1">ReLU</th><th title="seed 1">ASH</th></tr>'));
  // 2 images x (input, ground truth, 2 predictions) = 8 images, each the file's own bytes as a data URI.
  assert.equal((html.match(/<img /g) ?? []).length, 8);
  const uri = (dir: string, file: string) => `data:image/png;base64,${readFileSync(join(dir, 'examples', file)).toString('base64')}`;
  assert.ok(html.includes(`<td data-activation="ReLU"><img src="${uri(dirs.relu1!, '001-prediction.png')}" alt="ReLU prediction b"></td>`));
  assert.ok(html.includes(`<img src="${uri(dirs.relu1!, '000-input.png')}" alt="input a">`));
  assert.ok(!/<script|src="http/i.test(html));
  // The markdown report has no examples (html only).
  assert.ok(!(await renderReport(reportFromDir(root), 'md')).includes('data:image'));
});
