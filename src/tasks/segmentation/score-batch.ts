// Scoring one evaluation batch of network outputs: the glue between makeSegmentationBatch (whole frames, no
// augmentation) and IoUAccumulator. Where a split keeps each image's label at its original size (VOC,
// ADE20K, letterboxed into the frame), the logits of the image's content region are resized bilinearly to
// that size before the argmax, as mmseg does; otherwise (fashion-scenes) the frame's own labels are scored
// at the frame size.
import type { SegmentationSplit } from '../../data/segmentation-types.js';
import type { IoUAccumulator } from './metrics.js';
import { logitsToLabels } from './logits-to-labels.js';

/** Add the predictions `logits` (B x size x size x numClasses, NHWC, for split images `indices`) to `acc`. */
export function scoreLogitsBatch(acc: IoUAccumulator, logits: Float32Array, split: SegmentationSplit, indices: ArrayLike<number>): void {
  const s = split.size;
  const c = acc.numClasses;
  if (logits.length !== indices.length * s * s * c) {
    throw new RangeError(`logits hold ${logits.length} values, expected ${indices.length} x ${s} x ${s} x ${c}`);
  }
  for (let b = 0; b < indices.length; b++) {
    const index = indices[b]!;
    const h = split.contentSizes[2 * index]!;
    const w = split.contentSizes[2 * index + 1]!;
    const view = { data: logits, offset: b * s * s * c, height: s, width: s, numClasses: c, contentHeight: h, contentWidth: w };
    const original = split.originalMasks?.[index];
    if (original) {
      acc.add(logitsToLabels(view, original.height, original.width), original.data);
      continue;
    }
    const label = new Uint8Array(h * w);
    for (let r = 0; r < h; r++) label.set(split.masks.subarray(index * s * s + r * s, index * s * s + r * s + w), r * w);
    acc.add(logitsToLabels(view, h, w), label);
  }
}
