// Images per detect() call: at most 8, at most the training batch, and at most 4 x 800 x 800 input pixels
// (maskrcnn-r50-fpn at 800 x 800 aborted WASM's 4 GB heap at 8 images and ran 4 in 2.6 GB).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalBatchSize } from '../../../src/tasks/detection/detect.js';

test('detect batch: 8 images at most, never more than the training batch, 4 x 800 x 800 pixels at most', () => {
  assert.equal(evalBatchSize([64, 64], 16), 8); // 2,560,000 / 4,096 = 625: the cap of 8 decides
  assert.equal(evalBatchSize([64, 64], 2), 2);
  assert.equal(evalBatchSize([64, 64], 0), 1);
  assert.equal(evalBatchSize([300, 300], 32), 8); // SSD300: 2,560,000 / 90,000 = 28.4
  assert.equal(evalBatchSize([640, 640], 64), 6); // YOLOv5s: 2,560,000 / 409,600 = 6.25
  assert.equal(evalBatchSize([800, 800], 16), 4); // Mask R-CNN R50-FPN: exactly 4
  assert.equal(evalBatchSize([1344, 1344], 16), 1); // 2,560,000 / 1,806,336 = 1.4
  assert.equal(evalBatchSize([2048, 2048], 16), 1); // less than one image's worth still runs one
  assert.equal(evalBatchSize([64, 64]), 8);
});
