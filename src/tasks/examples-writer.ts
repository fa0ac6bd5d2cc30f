// What the segmentation and detection example writers share: how many images, the files of image i, and
// the index written last and whole (a temp file renamed into place), so a report never reads a half-written
// set (src/contract/examples.ts).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES_DIR, EXAMPLES_INDEX, EXAMPLES_SCHEMA_VERSION, type ExamplesIndex } from '../contract/examples.js';

export const EXAMPLE_COUNT = 4;

/** `<dir>/examples/`, created, and an empty index of `kind` to fill. */
export function startExamples(dir: string, kind: ExamplesIndex['kind'], classNames: readonly string[]): { out: string; index: ExamplesIndex } {
  const out = join(dir, EXAMPLES_DIR);
  mkdirSync(out, { recursive: true });
  return { out, index: { schema: EXAMPLES_SCHEMA_VERSION, kind, classNames: [...classNames], images: [] } };
}

/** The three PNG names of example image `i`: NNN-input.png, NNN-label.png, NNN-prediction.png. */
export function exampleFiles(i: number): { input: string; label: string; prediction: string } {
  const stem = String(i).padStart(3, '0');
  return { input: `${stem}-input.png`, label: `${stem}-label.png`, prediction: `${stem}-prediction.png` };
}

/** index.json into `out`, last and whole. */
export function finishExamples(out: string, index: ExamplesIndex): ExamplesIndex {
  const tmp = join(out, `${EXAMPLES_INDEX}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(index, null, 2)}\n`);
  renameSync(tmp, join(out, EXAMPLES_INDEX));
  return index;
}
