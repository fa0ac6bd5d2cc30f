// How long a sweep will take, before running it (`ash sweep --dry-run`): each job's steps at a measured
// cost per training image, from the bench figures below, plus start-up and evaluation, spread over the
// slots. An estimate: the figures come from one machine (README, Benchmarks) and scale to others only
// roughly; `ash bench` measures this one.
import { existsSync } from 'node:fs';
import { availableBackends, type BackendChoice } from '../engine/backend.js';
import { NATIVE_ADDON_PATH } from '../engine/native.js';

/** What the estimate reads of a job spec (kept structural, so that task-specific specs fit). */
export interface SizedJob {
  model: string;
  dataset: string;
  train: { epochs: number; batchSize: number };
  data: { trainLimit?: number; testLimit?: number };
}

/** ms per training image (forward + backward + update, after warm-up) of a model at an input size, on one engine. */
export interface StepCost {
  model: string;
  /** height x width x channels, e.g. '32x32x3'. */
  input: string;
  engine: 'wasm+native' | 'wasm';
  msPerImage: number;
}

/**
 * `npm run bench` on the 2-core development machine (README, Benchmarks): resnet20 at batch 128, one
 * thread per job, with the native oneDNN kernels and without (plain WASM with the fused kernels).
 */
export const BENCH_STEP_COSTS: readonly StepCost[] = [
  { model: 'resnet20', input: '32x32x3', engine: 'wasm+native', msPerImage: 1000 / 311 },
  { model: 'resnet20', input: '32x32x3', engine: 'wasm', msPerImage: 1000 / 50 },
  { model: 'resnet20', input: '28x28x1', engine: 'wasm+native', msPerImage: 1000 / 307 },
  { model: 'resnet20', input: '28x28x1', engine: 'wasm', msPerImage: 1000 / 70 },
  // The task benches at batch 16 on fashion-scenes (quiet machine, median of three runs): a segmentation and a
  // detection model, so their sweeps are not estimated from a classifier. Detection evaluation (NMS, and Mask
  // R-CNN's per-detection masks) costs more than the third of a step assumed below: still an estimate.
  { model: 'unet-small', input: '64x64x1', engine: 'wasm+native', msPerImage: 1000 / 102 },
  { model: 'unet-small', input: '64x64x1', engine: 'wasm', msPerImage: 1000 / 27 },
  { model: 'ssd-small', input: '64x64x1', engine: 'wasm+native', msPerImage: 1000 / 474 },
  { model: 'ssd-small', input: '64x64x1', engine: 'wasm', msPerImage: 1000 / 135 },
];

/** Process start to a ready model (data loaded, model built), from the same bench (1.0-1.4 s). */
export const BENCH_READY_MS = 1200;

/** Images per split when a job sets no limit (what the estimate needs to count steps). */
export const FULL_SPLIT_SIZES: Record<string, { train: number; test: number }> = {
  'fashion-mnist': { train: 60000, test: 10000 },
  mnist: { train: 60000, test: 10000 },
  cifar10: { train: 50000, test: 10000 },
  cifar100: { train: 50000, test: 10000 },
  'cifar100-coarse': { train: 50000, test: 10000 },
  'tiny-imagenet': { train: 100000, test: 10000 },
};

/** Input size of the bench's figures per dataset (other datasets scale from 32x32x3 by pixels). */
const DATASET_INPUT: Record<string, string> = {
  'fashion-mnist': '28x28x1',
  mnist: '28x28x1',
  cifar10: '32x32x3',
  cifar100: '32x32x3',
  'cifar100-coarse': '32x32x3',
  'tiny-imagenet': '64x64x3',
  imagefolder: '224x224x3',
  'fashion-scenes': '64x64x1',
};

const pixels = (input: string): number => input.split('x').map(Number).reduce((a, b) => a * b, 1);

/** The cost per training image a job will see, and how it was found (measured, or scaled from a measured one). */
export function stepCostFor(model: string, dataset: string, engine: StepCost['engine']): { msPerImage: number; source: string } {
  const input = DATASET_INPUT[dataset] ?? '32x32x3';
  const exact = BENCH_STEP_COSTS.find((c) => c.model === model && c.input === input && c.engine === engine);
  if (exact) return { msPerImage: exact.msPerImage, source: `bench: ${model} ${input} on ${engine}` };
  const sameModel = BENCH_STEP_COSTS.find((c) => c.model === model && c.engine === engine);
  const base = sameModel ?? BENCH_STEP_COSTS.find((c) => c.model === 'resnet20' && c.input === '32x32x3' && c.engine === engine)!;
  const scaled = base.msPerImage * (pixels(input) / pixels(base.input));
  const how = base.model === model ? `${model} ${base.input} scaled to ${input} by pixels` : `no bench figure for ${model}: resnet20 ${base.input} scaled to ${input} by pixels (rough)`;
  return { msPerImage: scaled, source: how };
}

/** One job's milliseconds: start-up, its training steps, and evaluation at a third of a training step per image; undefined when its data size is unknown. */
export function jobMilliseconds(spec: SizedJob, msPerImage: number, readyMs: number): number | undefined {
  const full = FULL_SPLIT_SIZES[spec.dataset];
  const train = Math.min(spec.data.trainLimit ?? Infinity, full?.train ?? Infinity);
  const test = Math.min(spec.data.testLimit ?? Infinity, full?.test ?? Infinity);
  if (!Number.isFinite(train) || !Number.isFinite(test)) return undefined;
  const steps = spec.train.epochs * Math.ceil(train / spec.train.batchSize);
  // A forward pass is about a third of forward + backward.
  return readyMs + steps * spec.train.batchSize * msPerImage + spec.train.epochs * test * (msPerImage / 3);
}

/** The engine a sweep's jobs will train on: WASM with the native kernels when the addon is built and not turned off. */
export function estimateEngine(backend: BackendChoice, env: NodeJS.ProcessEnv = process.env): StepCost['engine'] | undefined {
  const name = backend === 'auto' ? availableBackends()[0] : backend;
  if (name !== 'wasm') return undefined;
  return existsSync(NATIVE_ADDON_PATH) && env.ASH_NATIVE_KERNELS !== '0' ? 'wasm+native' : 'wasm';
}

/** A job's seconds by the bench figures on `engine` (what --dry-run adds up), for the live ETA's last resort. */
export function benchJobSeconds(engine: StepCost['engine'] | undefined): ((spec: SizedJob) => number | undefined) | undefined {
  if (!engine) return undefined;
  return (spec) => {
    const ms = jobMilliseconds(spec, stepCostFor(spec.model, spec.dataset, engine).msPerImage, BENCH_READY_MS);
    return ms === undefined ? undefined : ms / 1000;
  };
}

export interface PlanEstimate {
  /** Wall-clock seconds for the jobs on the slots (each slot runs its jobs one after another). */
  wallSeconds: number;
  jobs: number;
  /** Jobs the estimate could not size (a dataset without known size and no data limits). */
  unsized: number;
  sources: string[];
}

/**
 * Wall time of `specs` on `slots` slots: jobs handed out longest first to the slot free soonest (what
 * the pool does, up to order). Undefined when there are no bench figures for the engine.
 */
export function estimatePlan(specs: readonly SizedJob[], slots: number, engine: StepCost['engine'] | undefined, readyMs = BENCH_READY_MS): PlanEstimate | undefined {
  if (!engine) return undefined;
  const sources = new Set<string>();
  const durations: number[] = [];
  let unsized = 0;
  for (const spec of specs) {
    const cost = stepCostFor(spec.model, spec.dataset, engine);
    const ms = jobMilliseconds(spec, cost.msPerImage, readyMs);
    if (ms === undefined) unsized++;
    else {
      durations.push(ms);
      sources.add(cost.source);
    }
  }
  const free = new Array<number>(Math.max(1, slots)).fill(0);
  for (const ms of durations.sort((a, b) => b - a)) {
    const soonest = free.indexOf(Math.min(...free));
    free[soonest]! += ms;
  }
  return { wallSeconds: Math.max(...free) / 1000, jobs: specs.length, unsized, sources: [...sources] };
}
