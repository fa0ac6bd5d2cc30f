// `ash train`: one run, as a one-job sweep. The flags become a sweep config that the sweep schema validates
// (a bad value is a schema error naming its flag), expand to one job, and run in --out with the job process's
// code: the same spec.json, metrics.jsonl, log.jsonl and result.json as a sweep's job folder, so `ash report`
// compares a folder of `ash train` runs as it does sweeps.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import cliProgress from 'cli-progress';
import { DEFAULT_RECIPE } from '../contract/recipe.js';
import { identityHash, jobIdentity, JobSpecSchema, slug, type JobSpec } from '../contract/spec.js';
import { AUGMENT_KINDS } from '../data/augment.js';
import { getModel } from '../models/registry.js';
import { expandJobs, type Job } from '../config/expand.js';
import { parseSweepInput } from '../config/load.js';
import type { Plain } from '../config/merge.js';
import { UserError, unknownName } from '../engine/errors.js';
import { runJobInDir } from '../runner/job-process.js';
import { lockSweepDir } from '../runner/lock.js';
import { readResult, resultPath, type JobResult } from '../runner/result.js';
import { SPEC_FILE, readJsonFile, refuseLink, writeJsonAtomic } from '../runner/store.js';
import { CHECKPOINT_DIR, latestCheckpoint, removeCheckpoints } from '../runner/checkpoint.js';
import { MODEL_DIR } from '../runner/model-files.js';
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
  /** Continue the unfinished run in --out from its checkpoint. */
  resume: boolean;
  /** Train the run in --out from the start, discarding its checkpoint (and its result, if it finished). */
  restart: boolean;
  json: boolean;
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

/** `ash train --json`: the outcome in one line, for scripts (result.json has the whole record). */
function outcomeJson(result: JobResult, file: string, out: string, alreadyFinished: boolean): string {
  const { status, jobId, task, primaryMetric, metrics, perClass, error } = result;
  return JSON.stringify({
    status,
    jobId,
    task,
    primaryMetric,
    metrics,
    ...(perClass ? { perClass } : {}),
    ...(error ? { error } : {}),
    result: file,
    ...(status === 'ok' ? { model: join(out, MODEL_DIR) } : {}),
    alreadyFinished,
  });
}

/** The primary metric and the others, e.g. `top-1 72.60%  top-5 99.50%  val loss 0.7100`. */
function metricsLine(result: JobResult): string {
  const keys = taskInfo(result.task).metrics.map((m) => m.key);
  return keys.map((key) => formatMetric(key, result.metrics[key])).join('  ');
}

/** The first setting where two specs' identities differ, e.g. `train.epochs: 3 there, 5 here`. */
function firstDifference(there: unknown, here: unknown, path = ''): string | undefined {
  if (JSON.stringify(there) === JSON.stringify(here)) return undefined;
  if (there && here && typeof there === 'object' && typeof here === 'object' && !Array.isArray(there) && !Array.isArray(here)) {
    const a = there as Record<string, unknown>;
    const b = here as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const found = firstDifference(a[key], b[key], path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return `${path || 'the spec'}: ${JSON.stringify(there) ?? 'unset'} there, ${JSON.stringify(here) ?? 'unset'} here`;
}

/**
 * What --out already holds: nothing to do (the same run finished there), a run to redo (failed or unfinished), or
 * another run's files, which are never overwritten.
 */
function previousRun(out: string, spec: JobSpec): JobResult | undefined {
  const previous = readResult(out);
  const specFile = join(out, SPEC_FILE);
  let held: JobSpec | 'unreadable' | undefined;
  if (previous) held = previous.spec;
  else if (existsSync(specFile)) {
    const parsed = JobSpecSchema.safeParse(readJsonFile(specFile));
    held = parsed.success ? parsed.data : 'unreadable';
  }
  if (held === 'unreadable') throw new UserError(`${out} holds another run (an unreadable ${SPEC_FILE}); choose another --out, or delete that folder to replace it`);
  if (held !== undefined && identityHash(held) !== identityHash(spec)) {
    const difference = firstDifference(jobIdentity(held), jobIdentity(spec));
    throw new UserError(`${out} holds another run (${SPEC_FILE} of a different spec, ${difference}); choose another --out, or delete that folder to replace it`);
  }
  return previous && previous.status !== 'failed' ? previous : undefined;
}

/**
 * Whether to train from the start or from --out's checkpoint. An unfinished run is continued only when asked
 * (--resume), as Lightning asks for ckpt_path: a command run again by mistake must not silently pick up an old run;
 * --restart throws its checkpoint (and a finished result) away instead.
 */
function resumePlan(out: string, args: Pick<TrainArgs, 'resume' | 'restart'>, finished: JobResult | undefined): { resumeEpoch?: number } {
  if (args.resume && args.restart) throw new UserError('--resume and --restart: choose one (continue the run in --out, or train it from the start)');
  const checkpoint = latestCheckpoint(out);
  if (args.restart) {
    removeCheckpoints(out);
    for (const path of [resultPath(out), join(out, MODEL_DIR)]) {
      refuseLink(path);
      rmSync(path, { recursive: true, force: true });
    }
    return {};
  }
  if (finished) return {};
  if (args.resume) {
    if (!checkpoint) throw new UserError(`${out}: no checkpoint to resume from (${join(out, CHECKPOINT_DIR)} holds none; a run saves one after each epoch); run without --resume to train from the start`);
    return { resumeEpoch: checkpoint.epoch };
  }
  if (checkpoint) {
    throw new UserError(`${out} holds an unfinished run of this spec, saved after epoch ${checkpoint.epoch}: add --resume to continue it, or --restart to train it from the start`);
  }
  return {};
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
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: 'continue the unfinished run in --out from its last checkpoint (saved after every epoch); the other flags must describe the same run',
      })
      .option('restart', {
        type: 'boolean',
        default: false,
        describe: 'train the run in --out from the start, deleting its checkpoint (and its result and model/, if it finished)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print the outcome as one JSON line on stdout ({ status, jobId, task, primaryMetric, metrics, perClass?, result, model? }); progress stays on stderr',
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
      .option('backend', { type: 'string', default: 'auto', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' })
      .example('ash train --activation ash --epochs 2 --train-limit 4000 --test-limit 1000 --out runs/ash-s1', 'ResNet-20 with ASH on Fashion-MNIST')
      .example('ash train --activation relu --seed 2 --out runs/relu-s2 && ash report runs', 'another run beside it, then one table of both')
      .example('ash train --model unet-small --dataset fashion-scenes --activation swish --out runs/seg', 'a segmenter (the task follows the model)')
      .example('ash train ... --out runs/ash-s1 --resume', 'continue an interrupted run from its last epoch') as never,
  handler: async (args) => {
    const { spec } = trainJob(args);
    const out = args.out;
    mkdirSync(out, { recursive: true });
    const release = lockSweepDir(out);
    try {
      const previous = previousRun(out, spec);
      const { resumeEpoch } = resumePlan(out, args, previous);
      const finished = args.restart ? undefined : previous;
      const file = join(out, 'result.json');
      if (finished) {
        if (args.json) process.stdout.write(`${outcomeJson(finished, file, out, true)}\n`);
        else process.stdout.write(`${finished.status} (already finished in ${out}; --restart, or another --out, trains it again): ${metricsLine(finished)}  -> ${file}\n`);
        return;
      }
      writeJsonAtomic(join(out, SPEC_FILE), spec);
      if (resumeEpoch !== undefined) process.stderr.write(`ash train: resuming from epoch ${resumeEpoch}/${spec.train.epochs} (the checkpoint in ${join(out, CHECKPOINT_DIR)})\n`);
      const bar = process.stderr.isTTY && !args.json
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
      const model = result.status === 'ok' ? `, weights in ${join(out, MODEL_DIR)}` : '';
      if (args.json) process.stdout.write(`${outcomeJson(result, file, out, false)}\n`);
      else process.stdout.write(`${result.status}: ${metricsLine(result)}  -> ${file}${model}\n`);
      if (result.status === 'diverged') process.stderr.write(`ash train: ${result.error}\n`);
    } finally {
      release();
    }
  },
};
