// Example detections for the report: the first test images as PNGs at their original size, once with the
// ground-truth boxes drawn and once with the trained detector's boxes (score >= EXAMPLE_MIN_SCORE), each box a
// 1-pixel outline in its class's colour (the PASCAL VOC colour map, class c as VOC's index c + 1). Written into
// `<job>/examples/` as src/contract/examples.ts says (index.json last, kind 'detection'; the HTML report shows
// them per activation), plus detections.json with the drawn boxes themselves.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { Detector } from '../../models/detection/types.js';
import type { ExamplesIndex } from '../../contract/examples.js';
import { detectImages, type DetectionTestSet } from './detect.js';
import { vocColour } from '../voc-colours.js';
import { EXAMPLE_COUNT, exampleFiles, finishExamples, startExamples } from '../examples-writer.js';

export { vocColour };
/** Boxes below this score are not drawn (evaluation keeps them all; a picture of 100 boxes shows nothing). */
export const EXAMPLE_MIN_SCORE = 0.3;

/**
 * RGB copy of an HWC image (grey is repeated) with each box [x0, y0, x1, y1] (pixel edges, no +1) outlined:
 * the pixels of columns floor(x0)..ceil(x1)-1 on rows floor(y0) and ceil(y1)-1, and likewise the two sides.
 */
export function drawBoxes(pixels: Uint8Array, width: number, height: number, channels: number, boxes: ArrayLike<number>, classes: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) out[i * 3 + k] = pixels[i * channels + (channels === 1 ? 0 : k)]!;
  }
  const paint = (x: number, y: number, colour: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    out.set(colour, (y * width + x) * 3);
  };
  for (let d = 0; d < classes.length; d++) {
    const colour = vocColour(classes[d]! + 1);
    const x0 = Math.floor(boxes[4 * d]!);
    const y0 = Math.floor(boxes[4 * d + 1]!);
    const x1 = Math.max(x0, Math.ceil(boxes[4 * d + 2]!) - 1);
    const y1 = Math.max(y0, Math.ceil(boxes[4 * d + 3]!) - 1);
    for (let x = x0; x <= x1; x++) {
      paint(x, y0, colour);
      paint(x, y1, colour);
    }
    for (let y = y0; y <= y1; y++) {
      paint(x0, y, colour);
      paint(x1, y, colour);
    }
  }
  return out;
}

function png(rgb: Uint8Array, width: number, height: number): Uint8Array {
  return encode({ width, height, data: rgb, depth: 8, channels: 3 });
}

/** Writes the first `count` test images' pictures and index.json (last, by rename) into `<dir>/examples/`. */
export async function writeDetectionExamples(detector: Detector, test: DetectionTestSet, dir: string, count = EXAMPLE_COUNT): Promise<ExamplesIndex> {
  const { out, index } = startExamples(dir, 'detection', test.classNames);
  const indices = Int32Array.from({ length: Math.min(count, test.source.count) }, (_, i) => i);
  const boxes: { id: string; boxes: number[]; scores: number[]; classes: number[] }[] = [];
  const found = indices.length > 0 ? await detectImages(detector, test, indices) : [];
  for (const i of indices) {
    const scene = await test.source.scene(i, { masks: false });
    const record = test.records[i]!;
    const truth = Float32Array.from(record.boxes, (v, k) => (k % 4 < 2 ? v : v + record.boxes[k - 2]!));
    const d = found[i]!;
    const keep = Array.from(d.scores).flatMap((s, k) => (s >= EXAMPLE_MIN_SCORE ? [k] : []));
    const kept = { boxes: keep.flatMap((k) => [0, 1, 2, 3].map((j) => d.boxes[4 * k + j]!)), scores: keep.map((k) => d.scores[k]!), classes: keep.map((k) => d.classes[k]!) };
    const files = exampleFiles(i);
    const { width: w, height: h, channels: c, pixels } = scene;
    writeFileSync(join(out, files.input), png(drawBoxes(pixels, w, h, c, [], []), w, h));
    writeFileSync(join(out, files.label), png(drawBoxes(pixels, w, h, c, truth, record.classes), w, h));
    writeFileSync(join(out, files.prediction), png(drawBoxes(pixels, w, h, c, kept.boxes, kept.classes), w, h));
    index.images.push({ id: record.id.slice(0, 200), ...files });
    boxes.push({ id: record.id, ...kept });
  }
  writeFileSync(join(out, 'detections.json'), `${JSON.stringify({ minScore: EXAMPLE_MIN_SCORE, classNames: test.classNames, images: boxes })}\n`);
  return finishExamples(out, index);
}
