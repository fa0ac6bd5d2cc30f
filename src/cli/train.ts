// `ash train`: one run, as a one-job sweep. The flags become a sweep config that the sweep schema validates
// (a bad value is a schema error naming its flag), expand to one job, and run in --out with the job process's
// code: the same spec.json, metrics.jsonl, log.jsonl and result.json as a sweep's job folder, so `ash report`
// compares a folder of `ash train` runs as it does sweeps.
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import cliProgress from 'cli-progress';
import { DEFAULT_RECIPE } from '../contract/recipe.js';
import { identityHash, JobSpecSchema, slug } from '../contract/spec.js';
import { AUGMENT_KINDS } from '../data/augment.js';
import { getModel } from '../models/registry.js';
import { expandJobs, type Job } from '../config/expand.js';
import { parseSweepInput } from '../config/load.js';
import type { Plain } from '../config/merge.js';
import { UserError, unknownName } from '../engine/errors.js';
import { runJobInDir } from '../runner/job-process.js';
import { lockSweepDir } from '../runner/lock.js';
import { readResult, type JobResult } from '../runner/result.js';
import { SPEC_FILE, readJsonFile, writeJsonAtomic } from '../runner/store.js';
import { formatEpochLine, formatMetric, taskInfo } from '../tasks/catalog.js';
import { parseActivationArg } from './activation-arg.js';

export interface TrainArgs {
  dataset: string;
  model: string;
  activation: string;
  seed: string;
  out: string;
  backend: string;
  epochs?: string;
  'batch-size'?: string;
  lr?: string;
  'weight-decay'?: string;
  schedule?: string;
  'bn-momentum'?: string;
  'train-limit'?: string;
  'test-limit'?: string;
  'data-dir'?: string;
  stream: boolean;
  /** A name, or false from --no-augment. */
  augment: string | boolean;
}

/** Which flag sets which config field, so that a schema problem names what the user typed. */
const FLAG_OF: Record<string, string> = {
  'train.epochs': '--epochs',
  'train.batchSize': '--batch-size',
  'train.optimizer.lr': '--lr',
  'train.optimizer.weightDecay': '--weight-decay',
  'train.schedule': '--schedule',
  'train.bnMomentum': '--bn-momentum',
  'train.augment': '--augment',
  'data.trainLimit': '--train-limit',
  'data.testLimit': '--test-limit',
  'data.dataDir': '--data-dir',
  'data.stream': '--stream',
  seeds: '--seed',
  backend: '--backend',
  'grid.model': '--model',
  'grid.dataset': '--dataset',
  'grid.activation': '--activation',
  task: '--dataset',
};

function flagOf(path: string): string {
  for (const [prefix, flag] of Object.entries(FLAG_OF)) if (path === prefix || path.startsWith(`${prefix}.`)) return flag;
  return 'ash train';
}

/** A number as typed, or the text itself, so that `--epochs two` is reported as the string "two", not NaN. */
function numberOrText(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
}

/** Drops undefined fields, so that the schema's defaults fill what was not given. */
function defined(record: Record<string, unknown>): Plain {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

const AUGMENT_CHOICES = ['auto', 'none', ...AUGMENT_KINDS];

/** --augment NAME (or --no-augment) as the config's augment group (auto: the dataset's default kind). */
export function augmentSetting(value: string | boolean): Plain {
  if (value === false || value === 'none') return { kind: 'pad-crop', crop: 0, flip: false };
  if (value === true || value === '' || value === 'auto') return {};
  if (!(AUGMENT_KINDS as readonly string[]).includes(value)) throw unknownName('augmentation', value, AUGMENT_CHOICES);
  return { kind: value };
}

/** The sweep config that `ash train`'s flags describe. */
export function trainConfigInput(args: TrainArgs): Plain {
  const out = resolve(args.out);
  // The task follows the model (a segmenter trains for segmentation); the schema checks the dataset fits it.
  let task: string = 'classification';
  try {
    task = getModel(args.model).task ?? 'classification';
  } catch {
    // An unknown model is reported by the schema, with the valid names.
  }
  return {
    // The folder above --out names the sweep, so `ash report` over it compares runs trained into its subfolders.
    name: slug(basename(dirname(out))),
    backend: args.backend,
    task,
    grid: { activation: [parseActivationArg(args.activation)], model: [args.model], dataset: [args.dataset] },
    seeds: [numberOrText(args.seed)],
    train: defined({
      epochs: numberOrText(args.epochs),
      batchSize: numberOrText(args['batch-size']),
      optimizer: defined({ lr: numberOrText(args.lr), weightDecay: numberOrText(args['weight-decay']) }),
      schedule: args.schedule,
      bnMomentum: numberOrText(args['bn-momentum']),
      augment: augmentSetting(args.augment),
    }),
    data: defined({
      trainLimit: numberOrText(args['train-limit']),
      testLimit: numberOrText(args['test-limit']),
      dataDir: args['data-dir'],
      stream: args.stream ? true : undefined,
    }),
    retries: 0,
  };
}

/** The one job `ash train`'s flags describe, validated as a sweep config (a bad value is a ConfigError naming its flag). */
export function trainJob(args: TrainArgs): Job {
  const config = parseSweepInput(trainConfigInput(args), 'ash train', flagOf);
  return expandJobs(config)[0]!;
}

/** The primary metric and the others, e.g. `top-1 72.60%  top-5 99.50%  val loss 0.7100`. */
function metricsLine(result: JobResult): string {
  const keys = taskInfo(result.task).metrics.map((m) => m.key);
  return keys.map((key) => formatMetric(key, result.metrics[key])).join('  ');
}

/**
 * What --out already holds: nothing to do (the same run finished there), a run to redo (failed or unfinished), or
 * another run's files, which are never overwritten.
 */
function previousRun(out: string, identity: string): JobResult | undefined {
  const previous = readResult(out);
  const specFile = join(out, SPEC_FILE);
  let held: string | undefined;
  if (previous) held = identityHash(previous.spec);
  else if (existsSync(specFile)) {
    const parsed = JobSpecSchema.safeParse(readJsonFile(specFile));
    held = parsed.success ? identityHash(parsed.data) : 'unreadable';
  }
  if (held !== undefined && held !== identity) {
    throw new UserError(`${out} holds another run (${held === 'unreadable' ? `an unreadable ${SPEC_FILE}` : `${SPEC_FILE} of a different spec`}); choose another --out, or delete that folder to replace it`);
  }
  return previous && previous.status !== 'failed' ? previous : undefined;
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train one model with one activation into DIR (a one-job sweep: spec.json, metrics.jsonl, log.jsonl, result.json)',
  builder: (y) =>
    y
      .option('dataset', { type: 'string', default: 'fashion-mnist', describe: 'dataset name (`ash datasets list`)' })
      .option('model', { type: 'string', default: 'resnet20', describe: 'model name (`ash models list`)' })
      .option('activation', {
        type: 'string',
        default: 'ash',
        describe: "activation name, optionally with options: 'ash', 'ash:k=0.5', 'lrelu:slope=0.1'",
      })
      .option('epochs', { type: 'string', describe: `training epochs (default ${DEFAULT_RECIPE.epochs})` })
      .option('train-limit', { type: 'string', describe: 'use only the first N training examples' })
      .option('test-limit', { type: 'string', describe: 'use only the first N test examples' })
      .option('data-dir', { type: 'string', describe: 'where the dataset files are (default: the usual places)' })
      .option('stream', {
        type: 'boolean',
        default: false,
        describe: 'decode into the on-disk cache once and read it batch by batch, for data too large for memory (imagefolder, tiny-imagenet)',
      })
      .option('seed', { type: 'string', default: '1', describe: 'fixes initialisation, shuffling and augmentation' })
      .option('out', { type: 'string', demandOption: true, describe: 'the run folder (its parent names the "sweep" in reports)' })
      .option('batch-size', { type: 'string', describe: `examples per step (default ${DEFAULT_RECIPE.batchSize})` })
      .option('lr', { type: 'string', describe: `peak learning rate (SGD, Nesterov momentum 0.9; default ${DEFAULT_RECIPE.optimizer.lr})` })
      .option('weight-decay', { type: 'string', describe: `L2 on conv/dense kernels (default ${DEFAULT_RECIPE.optimizer.weightDecay})` })
      .option('schedule', { type: 'string', describe: `cosine | constant (default ${DEFAULT_RECIPE.schedule})` })
      .option('bn-momentum', { type: 'string', describe: `batch-norm running-average momentum in Keras terms, in [0, 1) (default ${DEFAULT_RECIPE.bnMomentum})` })
      .option('augment', {
        type: 'string',
        default: 'auto',
        describe:
          "training augmentation: auto (the dataset's: random-resized-crop for imagefolder/tiny-imagenet, else pad-crop) | " +
          'pad-crop (random crop from a 4-pixel padding + flip) | random-resized-crop (+ flip) | none (= --no-augment)',
      })
      .option('backend', { type: 'string', default: 'auto', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' }) as never,
  handler: async (args) => {
    const { spec } = trainJob(args);
    const out = args.out;
    mkdirSync(out, { recursive: true });
    const release = lockSweepDir(out);
    try {
      const finished = previousRun(out, identityHash(spec));
      const file = join(out, 'result.json');
      if (finished) {
        process.stdout.write(`${finished.status} (already finished in ${out}; delete it or choose another --out to train again): ${metricsLine(finished)}  -> ${file}\n`);
        return;
      }
      writeJsonAtomic(join(out, SPEC_FILE), spec);
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { format: 'epoch {epoch}/{epochs} [{bar}] {value}/{total} steps  loss {loss}  eta {eta_formatted}', stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      const result = await runJobInDir(out, {
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
        onEpoch: (record) => {
          bar?.stop();
          process.stderr.write(`${formatEpochLine(spec.task, record, spec.train.epochs)}\n`);
        },
      });
      bar?.stop();
      process.stdout.write(`${result.status}: ${metricsLine(result)}  -> ${file}\n`);
      if (result.status === 'diverged') process.stderr.write(`ash train: ${result.error}\n`);
    } finally {
      release();
    }
  },
};
