// The data pipeline feeds a detector end to end: fashion-scenes from IDX files -> augmented ragged batch ->
// normalised tensor -> targets -> loss; and detections map back to the original image through the meta.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../src/engine/tf.js';
import { Rng } from '../../../src/engine/random.js';
import { normalisedImages, openDetectionData, readDetectionBatch } from '../../../src/data/detection-data.js';
import { getModel } from '../../../src/models/registry.js';
import { disposeTargets } from '../../../src/models/detection/types.js';
import { writeMnistFixture } from '../../helpers/idx-fixtures.js';

test('fashion-scenes -> batch -> ssd-small and yolo-small losses; detections scale back to the 64x64 canvas', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ash-detpipe-'));
  writeMnistFixture(dir, { gzip: false, train: 20, test: 10 });
  const data = await openDetectionData('fashion-scenes', { dataDir: dir, trainLimit: 4, testLimit: 2 });
  for (const name of ['ssd-small', 'yolo-small']) {
    const built = getModel(name).build({ activation: { name: 'ash' }, numClasses: data.classNames.length, inputShape: [32, 32, 1], seed: 0 });
    const detector = built.detector!;
    const batch = await readDetectionBatch(data.train, [0, 1, 2, 3], { inputSize: detector.inputSize, augment: { rng: new Rng(1), flip: true, scale: [0.8, 1.2] } });
    const images = tf.tensor4d(normalisedImages(batch, data.mean, data.std), batch.shape);
    const targets = detector.encodeTargets(batch.truth);
    const loss = detector.loss(images, targets);
    const value = loss.total.dataSync()[0]!;
    assert.ok(Number.isFinite(value) && value > 0, `${name}: loss ${value}`);
    const test = await readDetectionBatch(data.test, [0, 1], { inputSize: detector.inputSize });
    const testImages = tf.tensor4d(normalisedImages(test, data.mean, data.std), test.shape);
    const dets = detector.detect(testImages);
    // Input 32x32 from a 64x64 canvas: meta says 0.5, so original-pixel boxes are the detections / 0.5, inside 64.
    assert.equal(test.meta[0]!.scaleX, 0.5);
    for (const d of dets) for (let i = 0; i < d.boxes.length; i++) assert.ok(d.boxes[i]! / 0.5 <= 64);
    tf.dispose([images, testImages, loss.total, ...Object.values(loss.parts)]);
    disposeTargets(targets);
    built.model.dispose();
  }
});
