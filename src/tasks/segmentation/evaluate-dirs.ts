// Scores a folder of predicted label PNGs against a folder of ground-truth label PNGs, pairing files by
// stem (`2007_000033.png` with `2007_000033.png`). Both hold class indices as 8-bit palette PNGs (VOC's
// SegmentationClass: the palette index is the class) or grey PNGs (ADE20K). Only the two folders' own
// regular files are read: subfolders are not entered, a linked file inside them is refused rather than
// followed (it could point anywhere), and nothing is written.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../engine/errors.js';
import { decodeLabelPng } from '../../data/mask.js';
import type { Mask } from '../../data/types.js';
import { IoUAccumulator, reduceZeroLabel, type SegmentationScores } from './metrics.js';

export interface LabelDirOptions {
  gtDir: string;
  predDir: string;
  numClasses: number;
  /** Label value that is not scored (default 255, VOC's border and mmseg's default). */
  ignoreIndex?: number;
  /** Ground truth only: mmseg's reduce_zero_label (ADE20K: 0 = "other" -> ignore, 1..150 -> 0..149). */
  reduceZeroLabel?: boolean;
  /** Where the note about predictions without ground truth goes (default: stderr). */
  warn?: (message: string) => void;
}

export interface LabelDirResult {
  scores: SegmentationScores;
  images: number;
  /** Prediction stems with no ground truth, skipped. */
  unmatched: string[];
}

/** The *.png files of a folder by stem; a missing folder, a file, or a linked PNG is a UserError. */
async function pngsByStem(dir: string, flag: string): Promise<Map<string, string>> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new UserError(`${flag} ${dir}: no such directory`);
  }
  if (!info.isDirectory()) throw new UserError(`${flag} ${dir}: not a directory`);
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!/\.png$/i.test(entry.name)) continue;
    if (entry.isSymbolicLink()) throw new UserError(`${join(dir, entry.name)}: a symbolic link; links are not followed (copy the file in)`);
    if (!entry.isFile()) continue;
    files.set(entry.name.replace(/\.png$/i, ''), join(dir, entry.name));
  }
  return files;
}

async function readLabels(file: string): Promise<Mask> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodeLabelPng(bytes, file);
}

/** The first pixel holding a label that is neither a class nor the ignore index, as a UserError. */
function checkRange(mask: Mask, raw: Uint8Array, file: string, numClasses: number, ignoreIndex: number, what: string): void {
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i]!;
    if (v >= numClasses && v !== ignoreIndex) {
      const shown = raw[i] === v ? `${v}` : `${raw[i]} (${v} after --reduce-zero-label)`;
      throw new UserError(`${file}: ${what} pixel (x ${i % mask.width}, y ${Math.floor(i / mask.width)}) is ${shown}, not a class 0..${numClasses - 1} nor the ignore index ${ignoreIndex}`);
    }
  }
}

export async function evaluateLabelDirs(options: LabelDirOptions): Promise<LabelDirResult> {
  const { gtDir, predDir, numClasses } = options;
  const ignoreIndex = options.ignoreIndex ?? 255;
  if (!(Number.isInteger(numClasses) && numClasses >= 1 && numClasses <= 256)) throw new UserError(`--num-classes must be an integer from 1 to 256 (labels are 8-bit), got ${numClasses}`);
  if (!(Number.isInteger(ignoreIndex) && ignoreIndex >= 0 && ignoreIndex <= 255)) throw new UserError(`--ignore-index must be an integer from 0 to 255, got ${ignoreIndex}`);
  const gt = await pngsByStem(gtDir, '--gt');
  const pred = await pngsByStem(predDir, '--pred');
  if (gt.size === 0) throw new UserError(`--gt ${gtDir}: no .png label files`);
  const stems = [...gt.keys()].sort();
  const missing = stems.filter((s) => !pred.has(s));
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    throw new UserError(`${join(predDir, `${missing[0]}.png`)}: missing prediction for ground truth ${gt.get(missing[0]!)}${more}`);
  }
  const unmatched = [...pred.keys()].filter((s) => !gt.has(s)).sort();
  if (unmatched.length > 0) {
    const shown = unmatched.slice(0, 5).map((s) => `${s}.png`).join(', ');
    (options.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(
      `${predDir}: ${unmatched.length} prediction(s) without ground truth ignored: ${shown}${unmatched.length > 5 ? ', ...' : ''}`,
    );
  }
  const acc = new IoUAccumulator(numClasses, ignoreIndex);
  for (const stem of stems) {
    const gtFile = gt.get(stem)!;
    const predFile = pred.get(stem)!;
    const label = await readLabels(gtFile);
    const predicted = await readLabels(predFile);
    if (label.width !== predicted.width || label.height !== predicted.height) {
      throw new UserError(`${predFile}: ${predicted.width}x${predicted.height}, but its ground truth ${gtFile} is ${label.width}x${label.height}`);
    }
    const raw = label.data;
    const labels = options.reduceZeroLabel ? { ...label, data: reduceZeroLabel(Uint8Array.from(raw)) } : label;
    checkRange(labels, raw, gtFile, numClasses, ignoreIndex, 'ground-truth');
    checkRange(predicted, predicted.data, predFile, numClasses, ignoreIndex, 'predicted');
    acc.add(predicted.data, labels.data);
  }
  return { scores: acc.scores(), images: stems.length, unmatched };
}
