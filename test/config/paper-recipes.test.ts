// The original recipes of the paper-table configs (configs/paper/): each model's schedule and optimizer parse
// with their schemas, and the learning rate at the papers' milestones is the papers'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deepMerge, isPlainObject, type Plain } from '../../src/config/merge.js';
import { readMerged } from '../../src/runner/paper-status.js';
import { ScheduleSchema } from '../../src/contract/schedule.js';
import { OptimizerSchema } from '../../src/contract/optimizer.js';
import { scheduledLearningRate } from '../../src/tasks/schedules.js';

const DIR = 'configs/paper';

/** The train group of one grid model: the sweep's, then its dataset's and model's overrides. */
function cellTrain(config: Plain, model: string, dataset: string): Plain {
  const overrides = isPlainObject(config.overrides) ? config.overrides : {};
  const layer = (kind: 'dataset' | 'model', key: string) => {
    const group = overrides[kind];
    const entry = isPlainObject(group) ? group[key] : undefined;
    return isPlainObject(entry) && isPlainObject(entry.train) ? entry.train : {};
  };
  return deepMerge(deepMerge(config.train, layer('dataset', dataset)), layer('model', model)) as Plain;
}

function recipe(file: string, model: string, dataset: string) {
  const config = readMerged(join(DIR, file))!;
  const train = cellTrain(config, model, dataset);
  return { train, schedule: ScheduleSchema.parse(train.schedule), optimizer: OptimizerSchema.parse(train.optimizer) };
}

const lr = (r: ReturnType<typeof recipe>, step: number, trainCount: number) => {
  const stepsPerEpoch = Math.ceil(trainCount / (r.train.batchSize as number));
  return scheduledLearningRate(r.schedule, r.optimizer.lr, step, { stepsPerEpoch, totalSteps: stepsPerEpoch * (r.train.epochs as number) });
};
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} != ${b}`);

test('every config: each grid model has a schedule and an optimizer the schemas accept', () => {
  // The shared bases (`*-activations.yaml`, `*-activations-cpu.yaml`) are extended by the table configs and name no table themselves.
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !/-activations(-cpu)?\.yaml$/.test(f));
  for (const table of ['table1-imagenet', 'table2-cifar10', 'table3-cifar100', 'table4-coco', 'table5-voc-detection', 'table6-ade20k', 'table7-voc-segmentation']) {
    for (const size of ['', '-cpu']) assert.ok(files.includes(`${table}${size}.yaml`), `${table}${size}.yaml in ${files.join(', ')}`);
  }
  assert.ok(files.includes('reproduction-cpu.yaml'));
  for (const file of files) {
    const config = readMerged(join(DIR, file))!;
    assert.equal(typeof config.paper, 'string', `${file} names its paper table`);
    const grid = config.grid as { model: string[]; dataset: string[] };
    for (const model of grid.model) for (const dataset of grid.dataset) assert.doesNotThrow(() => recipe(file, model, dataset), `${file} ${model}`);
  }
});

test('ResNet-164 (He et al. 2016): 0.01 for 400 iterations, 0.1, /10 at 32k and 48k, ~64k iterations, no Nesterov, wd 1e-4', () => {
  const r = recipe('table2-cifar10.yaml', 'resnet164', 'cifar10');
  assert.deepEqual(r.optimizer, { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 1e-4 });
  assert.equal(r.train.batchSize, 128);
  // 391 steps per epoch (ceil(50000 / 128)); 164 epochs = 64,124 iterations: the first epoch count past 64k.
  const steps = 391 * (r.train.epochs as number);
  assert.ok(steps >= 64000 && steps - 391 < 64000, String(steps));
  close(lr(r, 0, 50000), 0.01, 'warm-up');
  close(lr(r, 399, 50000), 0.01, 'last warm-up iteration');
  close(lr(r, 400, 50000), 0.1, 'after warm-up');
  close(lr(r, 32000, 50000), 0.01, '32k');
  close(lr(r, 48000, 50000), 0.1 * 0.1 * 0.1, '48k');
});

test('WRN-28-10 (Zagoruyko & Komodakis 2016): x0.2 at epochs 60, 120, 160 of 200, Nesterov, wd 5e-4', () => {
  const r = recipe('table3-cifar100.yaml', 'wrn28-10', 'cifar100');
  assert.deepEqual(r.optimizer, { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  assert.equal(r.train.epochs, 200);
  close(lr(r, 60 * 391 - 1, 50000), 0.1, 'epoch 60');
  close(lr(r, 60 * 391, 50000), 0.1 * 0.2, 'epoch 61');
  close(lr(r, 160 * 391, 50000), 0.1 * 0.2 ** 3, 'epoch 161');
});

test('DenseNet-BC-100-12 (Huang et al. 2017): batch 64, 300 epochs, /10 at 150 and 225, Nesterov, wd 1e-4', () => {
  const r = recipe('table2-cifar10.yaml', 'densenet100-12', 'cifar10');
  assert.deepEqual(r.optimizer, { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
  assert.equal(r.train.batchSize, 64);
  assert.equal(r.train.epochs, 300);
  // ceil(50000 / 64) = 782 steps per epoch
  close(lr(r, 150 * 782 - 1, 50000), 0.1, 'epoch 150');
  close(lr(r, 150 * 782, 50000), 0.01, 'epoch 151');
  close(lr(r, 225 * 782, 50000), 0.1 * 0.1 * 0.1, 'epoch 226');
});

test('ImageNet (He et al. 2016a / torchvision): batch 256, lr 0.1 /10 at 30 and 60 of 90 epochs, wd 1e-4, random-resized-crop', () => {
  const r = recipe('table1-imagenet.yaml', 'densenet100-12', 'imagefolder');
  assert.deepEqual(r.optimizer, { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 1e-4 });
  assert.equal(r.train.epochs, 90);
  assert.equal(r.train.batchSize, 256, 'the CIFAR DenseNet override (batch 64) is dropped');
  assert.equal((r.train.augment as { kind: string }).kind, 'random-resized-crop');
  // 1,281,167 images / 256 = 5005 steps per epoch
  close(lr(r, 30 * 5005, 1281167), 0.01, 'epoch 31');
});

test('the committed CPU reproduction: nine activations x resnet20, wrn16-4 x Fashion-MNIST x 5 seeds, Table 2, one shared recipe', () => {
  const config = readMerged(join(DIR, 'reproduction-cpu.yaml'))!;
  const grid = config.grid as { activation: unknown[]; model: string[]; dataset: string[] };
  assert.deepEqual(grid.activation, ['relu', 'lrelu', 'prelu', 'softplus', 'elu', 'selu', 'gelu', 'swish', { name: 'ash', label: 'ASH' }]);
  assert.deepEqual(grid.model, ['resnet20', 'wrn16-4']);
  assert.deepEqual(grid.dataset, ['fashion-mnist']);
  assert.deepEqual(config.seeds, [1, 2, 3, 4, 5]);
  assert.equal(config.paper, 'table2-cifar10');
  assert.equal(config.backend, 'wasm');
  assert.deepEqual(config.data, { trainLimit: 2000, testLimit: 1000 });
  // The sizing in the file's comments: 2000 images x 5 epochs at batch 128 is 16 steps an epoch, cosine over the run.
  for (const model of grid.model) {
    const r = recipe('reproduction-cpu.yaml', model, 'fashion-mnist');
    assert.equal(r.train.epochs, 5);
    assert.equal(r.train.batchSize, 128);
    assert.equal(r.schedule, 'cosine');
    assert.deepEqual(r.optimizer, { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    close(lr(r, 0, 2000), 0.1, `${model} first step`);
  }
});

test('the convergence check beside the reproduction: ReLU, Swish, ASH x resnet20, 15 epochs of the same images and recipe', () => {
  const config = readMerged(join(DIR, 'convergence-cpu.yaml'))!;
  const grid = config.grid as { activation: unknown[]; model: string[]; dataset: string[] };
  assert.deepEqual(grid.activation, ['relu', 'swish', { name: 'ash', label: 'ASH' }]);
  assert.deepEqual(grid.model, ['resnet20']);
  assert.deepEqual(config.data, readMerged(join(DIR, 'reproduction-cpu.yaml'))!.data, 'the same images as the reproduction');
  const r = recipe('convergence-cpu.yaml', 'resnet20', 'fashion-mnist');
  const base = recipe('reproduction-cpu.yaml', 'resnet20', 'fashion-mnist');
  assert.equal(r.train.epochs, 15);
  assert.deepEqual({ ...r, train: { ...r.train, epochs: 5 } }, base, 'only the epoch count differs from the reproduction');
});

test('SSD300 (ssd.pytorch config.py): 1e-3, x0.1 at 280k and 360k iterations of batch 32 on COCO, 80k and 100k on VOC', () => {
  const coco = recipe('table4-coco.yaml', 'ssd300', 'coco');
  assert.deepEqual(coco.optimizer, { name: 'sgd', lr: 1e-3, momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
  assert.equal(coco.train.batchSize, 32);
  // train2017: 118,287 images, ceil(118287 / 32) = 3,697 steps an epoch; 109 epochs = 402,973 >= 400k iterations.
  assert.ok(3697 * (coco.train.epochs as number) >= 400000 && 3697 * ((coco.train.epochs as number) - 1) < 400000);
  close(lr(coco, 279999, 118287), 1e-3, 'before 280k');
  close(lr(coco, 280000, 118287), 1e-3 * 0.1, '280k');
  close(lr(coco, 360000, 118287), 1e-3 * 0.1 * 0.1, '360k');
  // 07+12 trainval: 16,551 images, ceil(16551 / 32) = 518 steps an epoch; 232 epochs = 120,176 >= 120k.
  const voc = recipe('table5-voc-detection.yaml', 'ssd300', 'voc-detection');
  assert.ok(518 * (voc.train.epochs as number) >= 120000 && 518 * ((voc.train.epochs as number) - 1) < 120000);
  close(lr(voc, 80000, 16551), 1e-4, '80k');
  close(lr(voc, 100000, 16551), 1e-5, '100k');
});

test('Mask R-CNN (torchvision references): 0.02 at batch 16, x0.1 at epochs 16 and 22 of 26, linear warm-up from 0.001 over 1000 iterations', () => {
  const r = recipe('table4-coco.yaml', 'maskrcnn-r50-fpn', 'coco');
  assert.deepEqual(r.optimizer, { name: 'sgd', lr: 0.02, momentum: 0.9, nesterov: false, weightDecay: 1e-4 });
  assert.equal(r.train.epochs, 26);
  // ceil(118287 / 16) = 7,393 steps an epoch.
  close(lr(r, 0, 118287), 0.02 * 0.001, 'first step');
  close(lr(r, 1000, 118287), 0.02, 'after warm-up');
  close(lr(r, 16 * 7393 - 1, 118287), 0.02, 'epoch 16');
  close(lr(r, 16 * 7393, 118287), 0.002, 'epoch 17');
  close(lr(r, 22 * 7393, 118287), 0.02 * 0.01, 'epoch 23');
});
