// Example predictions of segmentation sweeps (what each job left in examples/, src/contract/examples.ts):
// per (model, dataset), the validation images and their ground truth once, then each row label's prediction
// (its lowest seed that has examples). PNGs are embedded as data URIs so the page stays one file.
import { lstatSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SweepReport } from '../build.js';
import { rowLabel } from '../aggregate.js';
import { paperActivationLabel, paperOrder, PAPER_ACTIVATION_ORDER } from '../names.js';
import { EXAMPLES_DIR, EXAMPLES_INDEX, ExamplesIndexSchema, type ExamplesIndex } from '../../contract/examples.js';

/** A PNG over this is not embedded (the examples are a few small label maps; a large file is not one of ours). */
const MAX_PNG_BYTES = 4 << 20;

export interface ExampleColumn {
  label: string;
  seed: number;
  /** One data URI per image, or null where the file is missing or unreadable. */
  predictions: (string | null)[];
}

export interface ExampleGrid {
  /** What the pictures are (the examples' kind): label maps or drawn boxes. */
  kind: ExamplesIndex['kind'];
  model: string;
  dataset: string;
  images: { id: string; input: string | null; label: string | null }[];
  columns: ExampleColumn[];
}

function readIndex(jobDir: string): ExamplesIndex | null {
  try {
    const parsed = ExamplesIndexSchema.safeParse(JSON.parse(readFileSync(join(jobDir, EXAMPLES_DIR, EXAMPLES_INDEX), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The PNG as a data URI; null unless it is a plain file of reasonable size that starts like a PNG. */
function pngDataUri(jobDir: string, file: string): string | null {
  const path = join(jobDir, EXAMPLES_DIR, file);
  try {
    const stat = lstatSync(path);
    if (!stat.isFile() || stat.size > MAX_PNG_BYTES) return null;
    const bytes = readFileSync(path);
    if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) return null;
    return `data:image/png;base64,${bytes.toString('base64')}`;
  } catch {
    return null;
  }
}

export function exampleGrids(sweep: SweepReport): ExampleGrid[] {
  const withExamples = sweep.results
    .map((r) => ({ r, dir: dirname(r.file), index: readIndex(dirname(r.file)) }))
    .filter((e): e is typeof e & { index: ExamplesIndex } => e.index !== null && e.index.images.length > 0);
  const pairs = [...new Set(withExamples.map((e) => JSON.stringify([e.r.result.spec.model, e.r.result.spec.dataset])))].sort();
  return pairs.map((pair) => {
    const [model, dataset] = JSON.parse(pair) as [string, string];
    const runs = withExamples
      .filter((e) => e.r.result.spec.model === model && e.r.result.spec.dataset === dataset)
      .sort((a, b) => a.r.result.spec.seed - b.r.result.spec.seed);
    // Images and ground truth from the run with the lowest seed; other runs are matched to them by image id.
    const first = runs[0]!;
    const images = first.index.images.map((img) => ({ id: img.id, input: pngDataUri(first.dir, img.input), label: pngDataUri(first.dir, img.label) }));
    const columns: ExampleColumn[] = [];
    for (const run of runs) {
      const label = rowLabel(run.r.result);
      if (columns.some((c) => c.label === label)) continue;
      const predictions = images.map((img) => {
        const own = run.index.images.find((i) => i.id === img.id);
        return own ? pngDataUri(run.dir, own.prediction) : null;
      });
      columns.push({ label, seed: run.r.result.spec.seed, predictions });
    }
    const ordered = paperOrder(columns, PAPER_ACTIVATION_ORDER, (c) => paperActivationLabel(c.label), (c) => c.label);
    return { kind: first.index.kind, model, dataset, images, columns: ordered };
  });
}
