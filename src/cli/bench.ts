import type { CommandModule } from 'yargs';
import { logSettings, type GlobalArgs } from './global-options.js';
import { BENCH_PARTS, runBench, type BenchPart } from '../bench/run.js';
import { BENCH_MODELS, type BenchModel } from '../bench/throughput.js';
import { formatReport } from '../bench/format.js';
import { UserError } from '../engine/errors.js';

interface BenchArgs extends GlobalArgs {
  json: boolean;
  quick: boolean;
  backend?: string;
  parts: string;
  models?: string;
}

function parseParts(text: string): BenchPart[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of parts) {
    if (!(BENCH_PARTS as readonly string[]).includes(p)) throw new UserError(`--parts: unknown part '${p}'; expected a comma-separated list of ${BENCH_PARTS.join(', ')}`);
  }
  if (parts.length === 0) throw new UserError(`--parts: expected at least one of ${BENCH_PARTS.join(', ')}`);
  return parts as BenchPart[];
}

function parseModels(text: string): BenchModel[] {
  const models = text.split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of models) {
    if (!(BENCH_MODELS as readonly string[]).includes(m)) throw new UserError(`--models: unknown model '${m}'; expected a comma-separated list of ${BENCH_MODELS.join(', ')}`);
  }
  if (models.length === 0) throw new UserError(`--models: expected at least one of ${BENCH_MODELS.join(', ')}`);
  return models as BenchModel[];
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Measure training speed (and against PyTorch on this CPU when torch is installed), activation cost, start-up and sweep throughput',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON on stdout' })
      .option('quick', { type: 'boolean', default: false, describe: 'tiny batches and shapes: checks that every part runs, in seconds' })
      .option('backend', { type: 'string', describe: 'one backend (wasm, cpu, tensorflow, tensorflow-gpu); default: every available one' })
      .option('parts', { type: 'string', default: BENCH_PARTS.join(','), describe: `which parts to run, comma-separated: ${BENCH_PARTS.join(', ')} (the sweep estimate needs throughput and startup)` })
      .option('models', { type: 'string', describe: `throughput and PyTorch cases of these models only, comma-separated: ${BENCH_MODELS.join(', ')} (default: all)` })
      .example('ash bench', 'everything, a few minutes')
      .example('ash bench --quick --json', 'fewer rounds, machine-readable')
      .example('ash bench --parts throughput,torch --backend wasm', 'training speed against PyTorch on this CPU')
      .example('ash bench --parts throughput,torch --models ssd-small', 'one model against PyTorch') as never,
  handler: async (args) => {
    const report = await runBench({
      quick: args.quick,
      parts: parseParts(args.parts),
      ...(args.models !== undefined ? { models: parseModels(args.models) } : {}),
      ...(args.backend !== undefined ? { backend: args.backend } : {}),
      log: (line) => (logSettings(args).verbosity === 'quiet' ? undefined : process.stderr.write(`ash bench: ${line}\n`)),
    });
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    if (report.errors.length > 0) process.exitCode = 1;
  },
};
