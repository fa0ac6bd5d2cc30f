// The detection task's data path on COCO: masks read from an instances file in the true format reach Mask
// R-CNN's mask loss (openDetectionData -> readDetectionBatch -> detector.losses), and an image whose objects
// have no segmentation trains boxes only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/backend.js';
import { getModel } from '../../src/models/registry.js';
import type { TwoStageModel } from '../../src/models/detection/mask-rcnn.js';
import { normalisedImages, openDetectionData, readDetectionBatch } from '../../src/data/detection-data.js';
import { writeCocoSplit } from '../helpers/annotation-fixtures.js';
import { writeImage } from '../helpers/image-fixtures.js';

const SIZE = 64;

test('COCO polygons and RLE reach maskrcnn-small as mask targets; an image without segmentations gives no mask loss', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ash-coco-maskrcnn-'));
  const square = (x: number, y: number, side: number): number[] => [x, y, x + side, y, x + side, y + side, x, y + side];
  // Column-major runs of a 24x24 block at x 36..59, y 30..53 (crowd, uncompressed RLE).
  const crowd = [36 * SIZE + 30, ...Array.from({ length: 23 }, () => [24, SIZE - 24]).flat(), 24, SIZE * SIZE - (59 * SIZE + 54)];
  for (const split of ['train2017', 'val2017']) {
    writeCocoSplit(root, split, {
      images: [
        { id: 1, file_name: '1.png', width: SIZE, height: SIZE },
        { id: 2, file_name: '2.png', width: SIZE, height: SIZE },
      ],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, iscrowd: 0, bbox: [6, 8, 22, 22], area: 484, segmentation: [square(6, 8, 22)] },
        { id: 2, image_id: 1, category_id: 2, iscrowd: 0, bbox: [30, 4, 26, 20], area: 300, segmentation: [[30, 4, 56, 4, 43, 24]] },
        { id: 3, image_id: 1, category_id: 2, iscrowd: 1, bbox: [36, 30, 24, 24], area: 576, segmentation: { counts: crowd, size: [SIZE, SIZE] } },
        { id: 4, image_id: 2, category_id: 1, iscrowd: 0, bbox: [10, 10, 30, 30], area: 900 },
      ],
      categories: [
        { id: 1, name: 'square' },
        { id: 2, name: 'triangle' },
      ],
    });
    for (const id of [1, 2]) await writeImage(join(root, split, `${id}.png`), SIZE, SIZE, (r, c) => ((r >= 8 && r < 30 && c >= 6 && c < 28) || (r >= 4 && r < 24 && c >= 30 && c < 56) ? 200 : 30));
  }
  const data = await openDetectionData('coco', { dataDir: root });
  const batch = await readDetectionBatch(data.train, [0, 1], { inputSize: [SIZE, SIZE] });
  const [withMasks, without] = batch.truth;
  // The square's mask is its 22 x 22 pixels, the crowd block 24 x 24; image 2 has none.
  assert.equal(withMasks!.masks!.subarray(0, SIZE * SIZE).reduce((a, v) => a + v, 0), 22 * 22);
  assert.equal(withMasks!.masks!.subarray(2 * SIZE * SIZE).reduce((a, v) => a + v, 0), 24 * 24);
  assert.equal(without!.masks, undefined);
  // A detector without a mask head asks for none: the masks are not rasterised, and the boxes are the same.
  const boxesOnly = await readDetectionBatch(data.train, [0, 1], { inputSize: [SIZE, SIZE], masks: false });
  assert.equal(boxesOnly.truth[0]!.masks, undefined);
  assert.deepEqual(boxesOnly.truth[0]!.boxes, withMasks!.boxes);

  await initEngine({ backend: 'wasm' });
  const { model, detector } = getModel('maskrcnn-small').build({ activation: { name: 'relu' }, numClasses: data.classNames.length, inputShape: [SIZE, SIZE, 3], seed: 3 }) as TwoStageModel;
  // The task asks batches for masks only for detectors that train them (src/tasks/detection/index.ts).
  assert.equal(detector.trainsMasks, true);
  try {
    const values = tf.tidy(() => {
      const images = tf.tensor4d(normalisedImages(batch, data.mean, data.std), batch.shape);
      const both = detector.losses(images, batch.truth);
      const onlyImage2 = detector.losses(images.slice([1, 0, 0, 0], [1, SIZE, SIZE, 3]), [without!]);
      return { mask: both.mask?.dataSync()[0], image2Mask: onlyImage2.mask };
    });
    assert.ok(values.mask !== undefined && Number.isFinite(values.mask) && values.mask > 0, `mask loss ${values.mask}`);
    assert.equal(values.image2Mask, undefined);
  } finally {
    model.dispose();
  }
});
