import type { CommandModule, Argv } from 'yargs';
import { UserError } from '../engine/errors.js';
import { datasetNames, datasetShape } from '../data/registry.js';
import { initEngine } from '../engine/backend.js';
import { getModel, modelNames, modelPatterns } from '../models/registry.js';
import { summarizeModel, type ModelSummary } from '../models/summary.js';
import { parseActivationArg } from './activation-arg.js';

interface ListArgs {
  json: boolean;
}

interface SummaryArgs {
  model: string;
  dataset?: string;
  'input-shape'?: string;
  'num-classes'?: number;
  activation: string;
  json: boolean;
}

/** `32,32,3` -> [32, 32, 3]. */
export function parseInputShape(text: string): [number, number, number] {
  const parts = text.split(/[,x]/).map((p) => p.trim());
  const dims = parts.map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UserError(`--input-shape '${text}': expected height,width,channels as three positive integers, e.g. 32,32,3`);
  }
  return dims as [number, number, number];
}

/** The shape and classes a summary uses: the dataset's, with --input-shape / --num-classes overriding. */
export function resolveShape(args: Pick<SummaryArgs, 'dataset' | 'input-shape' | 'num-classes'>): { inputShape: [number, number, number]; numClasses: number } {
  // The registry's list (the one `ash datasets list` prints); it throws with a suggestion for a typo.
  const base = args.dataset !== undefined ? datasetShape(args.dataset) : undefined;
  const inputShape = args['input-shape'] !== undefined ? parseInputShape(args['input-shape']) : base?.inputShape;
  const numClasses = args['num-classes'] ?? base?.numClasses;
  if (!inputShape || numClasses === undefined) {
    const which = args.dataset !== undefined ? `dataset '${args.dataset}' takes its classes from the data; give --num-classes (ImageNet: 1000)` : 'give --dataset (e.g. cifar10), or both --input-shape (e.g. 32,32,3) and --num-classes';
    throw new UserError(which);
  }
  if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new UserError(`--num-classes must be a positive integer, got ${numClasses}`);
  return { inputShape, numClasses };
}

const count = (n: number) => n.toLocaleString('en-US');

export function formatSummary(s: ModelSummary): string {
  const lines = [
    `model          ${s.model} (${s.family}): ${s.description}`,
    `input shape    ${s.inputShape.join('x')}`,
    s.task === 'classification'
      ? `output shape   [${s.outputShape.map((d) => d ?? 'batch').join(', ')}] (logits; the loss applies the softmax)`
      : `outputs        ${s.outputs.map((o) => `${o.name} [${o.shape.map((d) => d ?? 'batch').join(', ')}]`).join(', ')} (raw head outputs; the ${s.task} loss and decoding read them)`,
    `params         ${count(s.params)} trainable (${count(s.activationParams)} of them in the activations), ${count(s.nonTrainableParams)} non-trainable`,
    `activation     ${JSON.stringify(s.activation)} at ${s.activationSites.count} sites, each its own layer:`,
    `  ${s.activationSites.names.join(', ')}`,
  ];
  if (s.keptActivations.length > 0) {
    lines.push(`kept as in the original (${s.keptActivations.length}):`, `  ${s.keptActivations.map((k) => `${k.layer} (${k.function})`).join(', ')}`);
  } else {
    lines.push('kept as in the original: none');
  }
  return lines.join('\n') + '\n';
}

const listCommand: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'List the models and the name patterns of their families',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .example('ash models list', 'the models, and the name patterns (wrn<depth>-<width>, ...) of their families') as never,
  handler: (args) => {
    const models = modelNames().map((name) => {
      const { family, task, description } = getModel(name);
      return { name, family, task: task ?? 'classification', description };
    });
    const patterns = modelPatterns();
    if (args.json) {
      process.stdout.write(JSON.stringify({ models, patterns }, null, 2) + '\n');
      return;
    }
    const width = Math.max(...models.map((m) => m.name.length));
    const taskWidth = Math.max(...models.map((m) => m.task.length));
    for (const m of models) process.stdout.write(`${m.name.padEnd(width)}  ${m.task.padEnd(taskWidth)}  ${m.description}\n`);
    process.stdout.write('\nand any name of the form:\n');
    for (const p of patterns) process.stdout.write(`  ${p.syntax}\n    ${p.description}\n`);
  },
};

const summaryCommand: CommandModule<object, SummaryArgs> = {
  command: 'summary',
  describe: 'Build a model (nothing is run) and show its parameters, activation sites and shapes',
  builder: (y: Argv) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'model name (`ash models list`)' })
      .option('dataset', { type: 'string', describe: `classification dataset whose input shape and classes to use (\`ash datasets list\`): ${datasetNames().join(', ')}` })
      .option('input-shape', { type: 'string', describe: 'height,width,channels, e.g. 32,32,3 (overrides the dataset)' })
      .option('num-classes', { type: 'number', describe: 'number of classes (overrides the dataset)' })
      .option('activation', { type: 'string', default: 'ash', describe: "plugged activation, e.g. 'ash', 'relu', 'ash:k=0.1'" })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .example('ash models summary --model resnet20 --dataset cifar10', 'parameters, activation sites and shapes for CIFAR-10')
      .example('ash models summary --model wrn16-4 --dataset cifar100 --activation ash:k=0.1', 'with ASH at k = 0.1 (two parameters per site)')
      .example('ash models summary --model efficientnet-b0 --dataset imagefolder --num-classes 1000', 'an ImageNet-sized model') as never,
  handler: async (args) => {
    getModel(args.model);
    const shape = resolveShape(args);
    const activation = parseActivationArg(args.activation);
    // Building only allocates and initialises weights; the cpu backend does that without loading WASM.
    await initEngine({ backend: 'cpu' });
    const summary = summarizeModel(args.model, { ...shape, activation });
    process.stdout.write(args.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
  },
};

export const modelsCommand: CommandModule<object, object> = {
  command: 'models <command>',
  describe: 'List the models, or summarise one (parameters, activation sites, shapes)',
  builder: (y) =>
    y
      .command(listCommand)
      .command(summaryCommand)
      .demandCommand(1, 'name a models subcommand: list, summary')
      .example('ash models list', 'the models and their name patterns')
      .example('ash models summary --model resnet20 --dataset cifar10', 'parameters, activation sites, shapes') as never,
  handler: () => {},
};
