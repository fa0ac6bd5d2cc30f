// Small fashion-scenes batches for the detector tests: scenes composed by the real composeScenes from
// synthetic 28x28 items (Fashion-MNIST itself is not available offline), one shape per class so that the
// class is learnable from pixels: class k is a filled rectangle of width 8 + 2k and height 26 - 2k.
import { composeScenes } from '../../src/data/fashion-scenes.js';
import { xywhToXyxy } from '../../src/models/detection/boxes.js';
import type { ImageTruth } from '../../src/models/detection/types.js';
import { tf } from '../../src/engine/tf.js';

export function shapeItems(count: number): { count: number; images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * 784);
  const labels = Uint8Array.from({ length: count }, (_, n) => n % 10);
  for (let n = 0; n < count; n++) {
    const k = labels[n]!;
    const w = 8 + 2 * k;
    const h = 26 - 2 * k;
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) images[n * 784 + (1 + r) * 28 + 1 + c] = 120 + 10 * k;
  }
  return { count, images, labels };
}

/** `count` 64x64 grey scenes (seeded) as a normalised [count, 64, 64, 1] tensor and their truth (xyxy). */
export function sceneBatch(count: number, seed = 0): { images: tf.Tensor4D; truth: ImageTruth[] } {
  const split = composeScenes(shapeItems(40), count, 'fixture', { canvas: 64, minItems: 1, maxItems: 3, seed, threshold: 16 });
  const images = tf.tidy(() => tf.tensor4d(Float32Array.from(split.images, (v) => v / 255 - 0.5), [count, 64, 64, 1]));
  const truth = split.records.map((r) => ({ boxes: xywhToXyxy(r.boxes), classes: r.classes, flags: r.flags }));
  return { images, truth };
}
