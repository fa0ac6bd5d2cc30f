// `ash analyze <what>`: look inside trained runs. One subcommand per analysis; add one by adding its module to SUBCOMMANDS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { analyzeAshRuns, DEFAULT_ANALYSIS_SAMPLES, renderAshAnalysisMarkdown } from '../runner/ash-analysis.js';

interface AnalyzeAshArgs {
  runs: string[];
  samples: number;
  json: boolean;
  backend: string;
  out?: string;
}

const analyzeAshCommand: CommandModule<object, AnalyzeAshArgs> = {
  command: 'ash <runs..>',
  describe: 'Per ASH layer of trained classification runs: the fraction kept on test images against k = 1 - Phi(z), and how Gaussian its inputs are',
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'run folders (result.json and model/), sweep folders or results folders' })
      .option('samples', { type: 'number', default: DEFAULT_ANALYSIS_SAMPLES, describe: 'test images to feed through each model (the first N of the test split)' })
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
      .option('out', { type: 'string', describe: 'write ash-analysis.md and ash-analysis.json into this folder instead of printing' })
      .option('backend', { type: 'string', default: 'wasm', describe: 'backend for the forward passes (wasm, cpu, tensorflow, ...)' })
      .example('ash analyze ash results/reproduction', 'every ASH run of a results folder, as Markdown tables')
      .example('ash analyze ash runs/ash-s1 --samples 1000 --json', 'one run, 1000 test images, as JSON')
      .example('ash analyze ash results/reproduction --out reports/reproduction-cpu', 'ash-analysis.md and .json into a report folder') as never,
  handler: async (args) => {
    const analysis = await analyzeAshRuns(args.runs, { samples: args.samples, backend: args.backend });
    for (const s of analysis.skipped) process.stderr.write(`ash analyze: skipped ${s.dir}: ${s.reason}\n`);
    const json = `${JSON.stringify(analysis, null, 2)}\n`;
    if (args.out) {
      mkdirSync(args.out, { recursive: true });
      writeFileSync(join(args.out, 'ash-analysis.md'), renderAshAnalysisMarkdown(analysis));
      writeFileSync(join(args.out, 'ash-analysis.json'), json);
      process.stderr.write(`ash analyze: ${analysis.runs.length} run(s) analysed; wrote ash-analysis.md and ash-analysis.json to ${args.out}\n`);
      return;
    }
    process.stdout.write(args.json ? json : renderAshAnalysisMarkdown(analysis));
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SUBCOMMANDS: CommandModule<any, any>[] = [analyzeAshCommand];

export const analyzeCommand: CommandModule = {
  command: 'analyze',
  describe: 'Look inside trained runs (ash: what each ASH layer keeps on test images, and how Gaussian its inputs are)',
  builder: (y: Argv) =>
    SUBCOMMANDS.reduce((cli, sub) => cli.command(sub), y).demandCommand(1, `name what to analyze: ${SUBCOMMANDS.map((c) => String(c.command).split(' ')[0]).join(', ')}`) as never,
  handler: () => undefined,
};
