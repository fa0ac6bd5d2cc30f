// `ash eval detection`: score saved detections against ground truth, with the metric code the published
// numbers come from (pycocotools' COCOeval; the VOC devkit's AP). Parse, call, print.
import type { CommandModule } from 'yargs';
import { DETECTION_METRICS, evaluateDetectionFiles, type DetectionMetric, type DetectionReport } from '../tasks/detection/evaluate-files.js';

interface EvalDetectionArgs {
  gt: string;
  pred: string;
  metric?: DetectionMetric;
  split?: string;
  json: boolean;
}

const pct = (v: number | null): string => (v === null ? '-' : v.toFixed(2));

function printReport(report: DetectionReport): void {
  const out: string[] = [report.description, ''];
  if (report.map !== null || report.metric === 'coco') out.push(`mAP@[.50:.95]  ${pct(report.map)}`);
  out.push(`mAP@.50        ${pct(report.map50)}`);
  if (report.metric === 'coco') out.push(`mAP@.75        ${pct(report.map75)}`);
  const width = Math.max(5, ...report.perClass.map((c) => c.name.length));
  out.push('', report.metric === 'coco' ? `${'class'.padEnd(width)}  ${'AP'.padStart(6)}  ${'AP50'.padStart(6)}` : `${'class'.padEnd(width)}  ${'AP50'.padStart(6)}`);
  for (const c of report.perClass) {
    out.push(report.metric === 'coco' ? `${c.name.padEnd(width)}  ${pct(c.ap).padStart(6)}  ${pct(c.ap50).padStart(6)}` : `${c.name.padEnd(width)}  ${pct(c.ap50).padStart(6)}`);
  }
  if (report.perClass.some((c) => c.ap50 === null)) out.push('', "'-': no ground truth for the class; left out of the mean");
  process.stdout.write(`${out.join('\n')}\n`);
}

export const evalDetectionCommand: CommandModule<object, EvalDetectionArgs> = {
  command: 'detection',
  describe: 'mAP of saved detections: COCOeval for a COCO JSON, the VOC devkit AP for a VOC year folder',
  builder: (y) =>
    y
      .option('gt', { type: 'string', demandOption: true, describe: 'ground truth: a COCO instances_*.json, or a VOC year folder (VOCdevkit/VOC2007)' })
      .option('pred', { type: 'string', demandOption: true, describe: 'detections: a COCO results JSON, or a folder of devkit files comp4_det_<split>_<class>.txt' })
      .option('metric', { choices: DETECTION_METRICS, describe: 'coco (default for a JSON); voc07 11-point or voc12 all-point AP (default by the VOC year)' })
      .option('split', { type: 'string', describe: 'VOC split (ImageSets/Main/<split>.txt); default: the one split the results folder holds' })
      .option('json', { type: 'boolean', default: false, describe: 'print { map, map50, map75, perClass } (percent) as JSON' }) as never,
  handler: async (args) => {
    const report = await evaluateDetectionFiles({
      gt: args.gt,
      pred: args.pred,
      ...(args.metric ? { metric: args.metric } : {}),
      ...(args.split ? { split: args.split } : {}),
    });
    if (args.json) {
      const { metric, map, map50, map75, perClass, stats } = report;
      process.stdout.write(`${JSON.stringify({ metric, map, map50, map75, perClass, stats }, null, 2)}\n`);
    } else printReport(report);
  },
};
