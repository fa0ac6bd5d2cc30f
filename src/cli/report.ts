import type { CommandModule } from 'yargs';
import { UserError } from '../engine/errors.js';
import { formatProblems, listPaperTables, REPORT_FORMATS, renderReport, reportFromDir, writeReport, type ReportFormat } from '../report/index.js';

interface ReportArgs {
  results: string;
  format?: ReportFormat;
  out?: string;
  metric?: string[];
  paper?: string;
  paperModel?: string;
  paperDataset?: string;
  convergenceTolerance?: number;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <results>',
  describe: "Tables (mean ± 95% CI over seeds, in the paper's layout), figures and an html page from a results directory",
  builder: (y) =>
    y
      .positional('results', { type: 'string', demandOption: true, describe: 'results directory (<dir>/<sweep>/<jobId>/result.json, or one sweep)' })
      .option('format', { choices: REPORT_FORMATS, describe: 'output format (default md on stdout; all formats with --out)' })
      .option('out', { type: 'string', describe: 'write report.{md,csv,tex,html,json} and figures/*.svg into this directory' })
      .option('metric', {
        type: 'string',
        array: true,
        coerce: (values: string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean),
        describe:
          "metric(s) to tabulate (repeat or comma-separate): top1, top5, valLoss (classification), miou, pixelAcc (segmentation), map50, map, map75 (detection); default: each task's primary metric",
      })
      .option('paper', { type: 'string', describe: `compare with a paper table (default: the one the sweep names): ${listPaperTables().join(', ')}` })
      .option('paper-model', {
        type: 'string',
        describe: 'paper column for models the paper does not have, e.g. resnet164, or resnet20=resnet164,...',
      })
      .option('paper-dataset', {
        type: 'string',
        describe: "our dataset standing in for the paper table's, compared by ranking, e.g. fashion-scenes for table6-ade20k",
      })
      .option('convergence-tolerance', {
        type: 'number',
        describe: "convergence epoch: the first epoch whose validation loss is within this many percent of the run's final one (default 5)",
      })
      .example('ash report results/smoke', 'the table in Markdown on stdout')
      .example('ash report results/smoke --out report/', 'report.{md,csv,tex,html,json} and figures/*.svg')
      .example('ash report results/table2 --paper table2-cifar10 --metric top1,top5', 'beside the paper\'s Table 2') as never,
  handler: async (args) => {
    const tolerance = args.convergenceTolerance;
    if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0 && tolerance <= 100)) {
      throw new UserError(`--convergence-tolerance: expected a percentage between 0 and 100, got ${tolerance}`);
    }
    const report = reportFromDir(args.results, {
      metrics: args.metric,
      paper: args.paper,
      paperModel: args.paperModel,
      paperDataset: args.paperDataset,
      ...(tolerance !== undefined ? { convergenceTolerance: tolerance / 100 } : {}),
    });
    if (report.problems.length > 0) process.stderr.write(`ash report: skipped files:\n${formatProblems(report.problems)}\n`);
    for (const note of report.notes) process.stderr.write(`ash report: note: ${note}\n`);
    if (args.out) {
      const written = await writeReport(report, args.out, args.format ? [args.format] : REPORT_FORMATS);
      process.stderr.write(`ash report: wrote ${written.length} files to ${args.out}\n`);
      return;
    }
    process.stdout.write(await renderReport(report, args.format ?? 'md'));
  },
};
