import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetNames, getAnyDataset, getDataset, listDatasets } from '../../src/data/registry.js';

test('training sees only classification datasets; the others are listed with their task', () => {
  assert.deepEqual(datasetNames().sort(), ['cifar10', 'cifar100', 'cifar100-coarse', 'fashion-mnist', 'imagefolder', 'mnist', 'tiny-imagenet']);
  assert.deepEqual(
    listDatasets().filter((d) => d.task !== 'classification').map((d) => `${d.name}:${d.task}`).sort(),
    ['ade20k:segmentation', 'coco:detection', 'fashion-scenes:detection', 'voc-detection:detection', 'voc-segmentation:segmentation'],
  );
  assert.throws(() => getDataset('coco'), /dataset 'coco' is a detection dataset; training takes a classification dataset: cifar10, /);
  assert.equal(getAnyDataset('coco').task, 'detection');
  assert.throws(() => getAnyDataset('cifar-10'), /unknown dataset 'cifar-10'. Valid datasets: ade20k, cifar10, /);
});
