// ADE20K scene parsing (the MIT Scene Parsing Benchmark release): ADEChallengeData2016/images/{training,
// validation}/*.jpg with annotations/{training,validation}/*.png of the same stem. Masks hold 0 ("other",
// ignored) and 1..150, read as classes 0..149 by mask.ts.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import type { DatasetSummary, SegmentationSplitSummary } from './summary.js';
import type { ReaderOptions, SegmentationData, SegmentationRecord } from './types.js';

export const ADE20K_NUM_CLASSES = 150;
const SPLITS = ['training', 'validation'];

function locate(dataDir?: string): string {
  const candidates = dataDir ? [join(dataDir, 'ADEChallengeData2016'), dataDir] : ['data/ADEChallengeData2016', 'data/ade20k/ADEChallengeData2016'];
  const found = candidates.find((d) => existsSync(join(d, 'images')) && existsSync(join(d, 'annotations')));
  if (!found) throw new UserError(`ade20k: no ADEChallengeData2016/ with images/ and annotations/ in ${candidates.join(', ')} (\`ash datasets download ade20k --root data\`)`);
  return found;
}

/** Class names from objectInfo150.txt (Idx, Ratio, Train, Val, Name columns), when the release has it. */
async function readClassNames(root: string): Promise<string[]> {
  const file = join(root, 'objectInfo150.txt');
  if (!existsSync(file)) return Array.from({ length: ADE20K_NUM_CLASSES }, (_, i) => `class${i + 1}`);
  const rows = (await readFile(file, 'utf8')).split(/\r?\n/).slice(1).filter((l) => l.trim());
  const names = rows.map((r) => (r.split('\t')[4] ?? '').split(';')[0]!.trim());
  if (names.length !== ADE20K_NUM_CLASSES) throw new UserError(`${file}: ${names.length} classes listed, expected ${ADE20K_NUM_CLASSES}`);
  return names;
}

export async function loadAde20k(options: ReaderOptions): Promise<SegmentationData> {
  const root = locate(options.dataDir);
  const splits: Record<string, SegmentationRecord[]> = {};
  for (const split of SPLITS) {
    const imageDir = join(root, 'images', split);
    if (!existsSync(imageDir)) continue;
    const stems = (await readdir(imageDir)).filter((f) => /\.jpe?g$/i.test(f)).sort();
    splits[split] = stems.map((f) => {
      const id = f.replace(/\.[^.]+$/, '');
      const maskFile = join(root, 'annotations', split, `${id}.png`);
      if (!existsSync(maskFile)) throw new UserError(`${join(imageDir, f)}: no annotation ${maskFile}`);
      return { id, imageFile: join(imageDir, f), maskFile };
    });
  }
  if (Object.keys(splits).length === 0) throw new UserError(`${root}: no images/training or images/validation folder`);
  return { dataset: 'ade20k', classNames: await readClassNames(root), splits, source: [root] };
}

export async function inspectAde20k(options: ReaderOptions): Promise<DatasetSummary<SegmentationSplitSummary>> {
  const data = await loadAde20k(options);
  return { dataset: data.dataset, splits: Object.fromEntries(Object.entries(data.splits).map(([k, v]) => [k, { count: v.length, numClasses: ADE20K_NUM_CLASSES }])) };
}
