import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import cliProgress from 'cli-progress';
import { runTraining } from '../tasks/train.js';
import { DEFAULT_RECIPE, type TrainSpec } from '../tasks/spec.js';
import { parseActivationArg } from './activation-arg.js';
import { parseBackendChoice } from '../engine/backend.js';
import { getModel } from '../models/registry.js';
import { augmentFor, getDataset, getStreamableDataset } from '../data/registry.js';
import { AUGMENT_KINDS, NO_AUGMENT, type Augment, type AugmentKind } from '../data/augment.js';
import { UserError, unknownName } from '../engine/errors.js';

interface TrainArgs {
  dataset: string;
  model: string;
  activation: string;
  epochs: number;
  'train-limit'?: number;
  'test-limit'?: number;
  'data-dir'?: string;
  stream: boolean;
  seed: number;
  out: string;
  'batch-size': number;
  lr: number;
  'weight-decay': number;
  schedule: string;
  backend: string;
  'bn-momentum': number;
  /** A name, or false from --no-augment. */
  augment: string | boolean;
}

const AUGMENT_CHOICES = ['auto', 'none', ...AUGMENT_KINDS];

/** --augment NAME (or --no-augment) as the spelled-out augmentation for `dataset`. */
export function parseAugmentArg(value: string | boolean, dataset: string): Augment {
  if (value === false || value === 'none') return NO_AUGMENT;
  if (value === true || value === '' || value === 'auto') return augmentFor(dataset, DEFAULT_RECIPE.augment);
  if (!(AUGMENT_KINDS as readonly string[]).includes(value)) throw unknownName('augmentation', value, AUGMENT_CHOICES);
  return augmentFor(dataset, { ...DEFAULT_RECIPE.augment, kind: value as AugmentKind });
}

function positiveInt(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UserError(`--${name} must be a positive integer, got ${v}`);
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train one model with one activation and write DIR/result.json',
  builder: (y) =>
    y
      .option('dataset', { type: 'string', default: 'fashion-mnist', describe: 'dataset name (`ash datasets list`)' })
      .option('model', { type: 'string', default: 'resnet20', describe: 'model name (`ash models list`)' })
      .option('activation', {
        type: 'string',
        default: 'ash',
        describe: "activation name, optionally with options: 'ash', 'ash:k=0.5', 'lrelu:slope=0.1'",
      })
      .option('epochs', { type: 'number', default: DEFAULT_RECIPE.epochs })
      .option('train-limit', { type: 'number', describe: 'use only the first N training examples' })
      .option('test-limit', { type: 'number', describe: 'use only the first N test examples' })
      .option('data-dir', { type: 'string', describe: 'where the dataset files are (default: the usual places)' })
      .option('stream', {
        type: 'boolean',
        default: false,
        describe: 'decode into the on-disk cache once and read it batch by batch, for data too large for memory (imagefolder, tiny-imagenet)',
      })
      .option('seed', { type: 'number', default: 1, describe: 'fixes initialisation, shuffling and augmentation' })
      .option('out', { type: 'string', demandOption: true, describe: 'output directory for result.json' })
      .option('batch-size', { type: 'number', default: DEFAULT_RECIPE.batchSize })
      .option('lr', { type: 'number', default: DEFAULT_RECIPE.optimizer.lr, describe: 'peak learning rate (SGD, Nesterov momentum 0.9)' })
      .option('weight-decay', { type: 'number', default: DEFAULT_RECIPE.optimizer.weightDecay })
      .option('schedule', { type: 'string', choices: ['cosine', 'constant'], default: DEFAULT_RECIPE.schedule })
      .option('bn-momentum', { type: 'number', default: DEFAULT_RECIPE.bnMomentum, describe: 'batch-norm running-average momentum (Keras terms)' })
      .option('augment', {
        type: 'string',
        default: 'auto',
        describe:
          "training augmentation: auto (the dataset's: random-resized-crop for imagefolder/tiny-imagenet, else pad-crop) | " +
          'pad-crop (random crop from a 4-pixel padding + flip) | random-resized-crop (+ flip) | none (= --no-augment)',
      })
      .option('backend', { type: 'string', default: 'auto', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' }) as never,
  handler: async (args) => {
    positiveInt('epochs', args.epochs);
    positiveInt('batch-size', args['batch-size']);
    positiveInt('train-limit', args['train-limit']);
    positiveInt('test-limit', args['test-limit']);
    // Resolve names first, so a typo fails before any data is read.
    getModel(args.model);
    if (args.stream) getStreamableDataset(args.dataset);
    else getDataset(args.dataset);
    const augment = parseAugmentArg(args.augment, args.dataset);
    const spec: TrainSpec = {
      activation: parseActivationArg(args.activation),
      model: args.model,
      dataset: args.dataset,
      seed: args.seed,
      backend: parseBackendChoice(args.backend),
      train: {
        ...DEFAULT_RECIPE,
        epochs: args.epochs,
        batchSize: args['batch-size'],
        optimizer: { ...DEFAULT_RECIPE.optimizer, lr: args.lr, weightDecay: args['weight-decay'] },
        schedule: args.schedule as TrainSpec['train']['schedule'],
        bnMomentum: args['bn-momentum'],
        augment,
      },
      data: { trainLimit: args['train-limit'], testLimit: args['test-limit'], dataDir: args['data-dir'], ...(args.stream ? { stream: true } : {}) },
    };
    await mkdir(args.out, { recursive: true });
    const startedAt = new Date().toISOString();
    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'epoch {epoch}/{epochs} [{bar}] {value}/{total} steps  loss {loss}  eta {eta_formatted}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    const result = await runTraining(spec, {
      onReady: (info) =>
        process.stderr.write(
          `ash train: ${spec.model} (${info.params} params, ${info.activationSites} ${spec.activation.name} sites) on ${spec.dataset} ` +
            `(${info.trainCount} train / ${info.testCount} test), seed ${spec.seed}; ${info.engine}\n`,
        ),
      onStep: (p) => {
        if (!bar) return;
        if (p.step === 1) bar.start(p.steps, 0, { epoch: p.epoch, epochs: spec.train.epochs, loss: p.loss.toFixed(4) });
        bar.update(p.step, { loss: p.loss.toFixed(4) });
      },
      onEpoch: (r) => {
        bar?.stop();
        process.stderr.write(
          `epoch ${r.epoch}/${spec.train.epochs}: train loss ${r.trainLoss.toFixed(4)}  val loss ${r.valLoss.toFixed(4)}  ` +
            `top-1 ${r.top1.toFixed(2)}%  top-5 ${r.top5.toFixed(2)}%  (${r.seconds.toFixed(1)} s)\n`,
        );
      },
    });
    bar?.stop();
    const record = { ...result, startedAt, finishedAt: new Date().toISOString() };
    // Write to a temporary name and rename, so a crash never leaves a half-written result.json.
    const file = join(args.out, 'result.json');
    await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    process.stdout.write(
      `${result.status}: top-1 ${result.metrics.top1.toFixed(2)}%  top-5 ${result.metrics.top5.toFixed(2)}%  val loss ${result.metrics.valLoss.toFixed(4)}  -> ${file}\n`,
    );
    if (result.status === 'diverged') process.stderr.write(`ash train: ${result.error}\n`);
  },
};
