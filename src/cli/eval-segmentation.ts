// `ash eval segmentation`: mIoU, per-class IoU and pixel accuracy of predicted label PNGs, as mmseg computes them.
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../engine/errors.js';
import { evaluateLabelDirs } from '../tasks/segmentation/evaluate-dirs.js';
import type { SegmentationScores } from '../tasks/segmentation/metrics.js';

interface EvalSegmentationArgs {
  gt: string;
  pred: string;
  'num-classes': number;
  'ignore-index': number;
  'reduce-zero-label': boolean;
  json: boolean;
  'class-names'?: string;
}

/** One class name per line (blank lines skipped), exactly numClasses of them, all different. */
export function readClassNames(file: string, numClasses: number): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`--class-names ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (names.length !== numClasses) throw new UserError(`--class-names ${file}: ${names.length} names, expected one per line for each of the ${numClasses} classes`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new UserError(`--class-names ${file}: '${name}' appears twice`);
    seen.add(name);
  }
  return names;
}

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** The `--json` document: percentages, perClass keyed by class name or index, null for an absent class. */
export function scoresJson(scores: SegmentationScores, names?: string[]): { miou: number | null; pixelAcc: number | null; perClass: Record<string, number | null> } {
  return {
    miou: orNull(scores.miou),
    pixelAcc: orNull(scores.pixelAcc),
    perClass: Object.fromEntries(scores.perClass.map((v, c) => [names?.[c] ?? String(c), orNull(v)])),
  };
}

function scoresText(scores: SegmentationScores, images: number, names?: string[]): string {
  const labels = scores.perClass.map((_, c) => names?.[c] ?? String(c));
  const width = Math.max(5, ...labels.map((l) => l.length));
  const pct = (v: number): string => (Number.isNaN(v) ? '—' : v.toFixed(2));
  const present = scores.perClass.filter((v) => !Number.isNaN(v)).length;
  const lines = [`${'class'.padEnd(width)}  IoU`, ...scores.perClass.map((v, c) => `${labels[c]!.padEnd(width)}  ${pct(v)}`)];
  lines.push('', `mIoU ${pct(scores.miou)}  aAcc ${pct(scores.pixelAcc)}  (${images} images; mean over the ${present} of ${scores.perClass.length} classes labelled or predicted; — = neither)`);
  return lines.join('\n') + '\n';
}

export const evalSegmentationCommand: CommandModule<object, EvalSegmentationArgs> = {
  command: 'segmentation',
  describe: "mIoU / per-class IoU / pixel accuracy of predicted label PNGs against ground truth (mmseg's IoUMetric)",
  builder: (y: Argv) =>
    y
      .option('gt', { type: 'string', demandOption: true, describe: 'folder of ground-truth label PNGs (8-bit palette or grey; value = class)' })
      .option('pred', { type: 'string', demandOption: true, describe: 'folder of predicted label PNGs, one per ground truth, same file stem' })
      .option('num-classes', { type: 'number', demandOption: true, describe: 'number of classes (labels 0..N-1)' })
      .option('ignore-index', { type: 'number', default: 255, describe: 'label value left out of the scores, in ground truth and predictions' })
      .option('reduce-zero-label', {
        type: 'boolean',
        default: false,
        describe: 'ground truth in ADE20K style: 0 -> ignore, 1..N -> 0..N-1 (predictions are read as 0..N-1)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print { miou, pixelAcc, perClass } (percent; null = class absent)' })
      .option('class-names', { type: 'string', describe: 'file with one class name per line, to label perClass' }) as never,
  handler: async (args) => {
    const names = args['class-names'] !== undefined ? readClassNames(args['class-names'], args['num-classes']) : undefined;
    const result = await evaluateLabelDirs({
      gtDir: args.gt,
      predDir: args.pred,
      numClasses: args['num-classes'],
      ignoreIndex: args['ignore-index'],
      reduceZeroLabel: args['reduce-zero-label'],
      warn: (m) => process.stderr.write(`ash eval: warning: ${m}\n`),
    });
    process.stdout.write(args.json ? `${JSON.stringify(scoresJson(result.scores, names), null, 2)}\n` : scoresText(result.scores, result.images, names));
  },
};
