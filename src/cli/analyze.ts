// `ash analyze <what>`: look inside trained runs. One subcommand per analysis; add one by adding its module to SUBCOMMANDS.
import type { Argv, CommandModule } from 'yargs';
import { analyzeAshRuns, DEFAULT_ANALYSIS_SAMPLES, renderAshAnalysisMarkdown } from '../runner/ash-analysis.js';

interface AnalyzeAshArgs {
  runs: string[];
  samples: number;
  json: boolean;
  backend: string;
}

const analyzeAshCommand: CommandModule<object, AnalyzeAshArgs> = {
  command: 'ash <runs..>',
  describe: 'Per ASH layer of trained classification runs: the fraction kept on test images against k = 1 - Phi(z), and how Gaussian its inputs are',
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'run folders (result.json and model/), sweep folders or results folders' })
      .option('samples', { type: 'number', default: DEFAULT_ANALYSIS_SAMPLES, describe: 'test images to feed through each model (the first N of the test split)' })
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
      .option('backend', { type: 'string', default: 'wasm', describe: 'backend for the forward passes (wasm, cpu, tensorflow, ...)' })
      .example('ash analyze ash results/reproduction', 'every ASH run of a results folder, as Markdown tables')
      .example('ash analyze ash runs/ash-s1 --samples 1000 --json', 'one run, 1000 test images, as JSON') as never,
  handler: async (args) => {
    const analysis = await analyzeAshRuns(args.runs, { samples: args.samples, backend: args.backend });
    for (const s of analysis.skipped) process.stderr.write(`ash analyze: skipped ${s.dir}: ${s.reason}\n`);
    process.stdout.write(args.json ? `${JSON.stringify(analysis, null, 2)}\n` : renderAshAnalysisMarkdown(analysis));
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
