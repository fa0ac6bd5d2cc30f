// Training throughput: images per second of the real training step (src/tasks/loop.ts createTrainStep:
// forward, the task's loss, gradients, weight decay, Nesterov SGD update, loss read back) on random data,
// after warm-up steps that compile kernels and fill tfjs's caches; the median timed step counts. The loss is
// the model's task loss: softmax cross-entropy for the classifiers, per-pixel cross-entropy with ignore 255
// for unet-small, and SSD's MultiBox loss (priors matched on the host every step, hard negatives mined on
// the host) for ssd-small.
import { tf } from '../engine/tf.js';
import { initEngine, type EngineInfo } from '../engine/backend.js';
import { Rng } from '../engine/random.js';
import { getModel } from '../models/registry.js';
import { createTrainStep } from '../tasks/loop.js';
import { createOptimizer } from '../tasks/optimizers.js';
import { classificationLoss } from '../tasks/classification/index.js';
import { segmentationLoss } from '../tasks/segmentation/index.js';
import { trainableParams } from '../models/summary.js';
import { disposeTargets, type Detector, type ImageTruth } from '../models/detection/types.js';
import { buildSmallCnn } from './small-cnn.js';
import { median } from './stats.js';
import type { BuiltModel, ModelBuildOptions } from '../models/types.js';

/** The architectures the bench trains; the names match bench/torch_reference.py's --model. */
export const BENCH_MODELS = ['resnet20', 'small-cnn', 'unet-small', 'ssd-small'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];

export interface ThroughputCase {
  model: BenchModel;
  /** [H, W, C] */
  inputShape: [number, number, number];
  batch: number;
  /** Activation at every site; swish matches PyTorch's nn.SiLU in the reference script. */
  activation: string;
}

export interface ThroughputOptions {
  backend: string;
  /** WASM only: run convolutions and matrix products in the native oneDNN kernels when built (default). */
  nativeKernels?: boolean;
  warmupSteps: number;
  steps: number;
}

export interface ThroughputResult extends ThroughputCase {
  /** The engine: tensorflow-gpu, tensorflow, wasm, wasm+onednn (WASM with native kernels) or cpu. */
  backend: string;
  steps: number;
  /** Median over the timed steps. */
  msPerStep: number;
  imagesPerSecond: number;
  /** Trainable parameters (bench/torch_reference.py prints its own count: they must be equal). */
  params: number;
}

/**
 * Classes of each bench model; keep in step with CLASSES in bench/torch_reference.py. unet-small: 11, as a
 * segmentation set with 10 objects and a background; ssd-small: 10 object classes (+ background in the head).
 */
export const BENCH_CLASSES: Record<BenchModel, number> = { resnet20: 10, 'small-cnn': 10, 'unet-small': 11, 'ssd-small': 10 };
/** The segmentation label that counts for nothing (the loss's ignore index), as VOC's 255. */
export const IGNORE_INDEX = 255;

/** How bench reports name an engine: its backend, with '+onednn' when the native kernels run. */
export function benchEngineName(engine: EngineInfo): string {
  return engine.nativeKernels ? `${engine.name}+onednn` : engine.name;
}

/** A bench model as measureThroughput builds it (the small CNN is the bench's own, the others the registry's). */
export function buildBenchModel(model: BenchModel, options: ModelBuildOptions): BuiltModel {
  return model === 'small-cnn' ? buildSmallCnn(options) : getModel(model).build(options);
}

/** Random images in [-1, 1), from a seeded stream so every backend sees the same data. */
function randomImages(rng: Rng, shape: [number, number, number], batch: number): Float32Array {
  const x = new Float32Array(batch * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  return x;
}

/** Per-pixel labels: uniform over the classes, 5% ignore pixels (as VOC's object borders). */
export function randomPixelLabels(rng: Rng, count: number, numClasses: number): Int32Array {
  return Int32Array.from({ length: count }, () => (rng.next() < 0.05 ? IGNORE_INDEX : rng.int(numClasses)));
}

/** Fashion-scenes-like truth: 2-4 items per image, 8-26 pixels a side, inside the image. */
export function randomSceneTruth(rng: Rng, batch: number, size: number, numClasses: number): ImageTruth[] {
  return Array.from({ length: batch }, () => {
    const count = 2 + rng.int(3);
    const boxes = new Float32Array(count * 4);
    for (let i = 0; i < count; i++) {
      const w = 8 + rng.int(19);
      const h = 8 + rng.int(19);
      const x0 = rng.int(size - w + 1);
      const y0 = rng.int(size - h + 1);
      boxes.set([x0, y0, x0 + w, y0 + h], i * 4);
    }
    return { boxes, classes: Int32Array.from({ length: count }, () => rng.int(numClasses)), flags: new Uint8Array(count) };
  });
}

/** One batch of data and the loss on it, per task; `loss` runs inside the training step's tape. */
export interface BenchTask {
  loss: (xs: tf.Tensor4D) => tf.Scalar;
  /** Host work before the step that the task's loop does every batch (SSD: prior matching). */
  prepare?: () => void;
  /** Frees what prepare made. */
  release?: () => void;
}

/** The task's loss on one fixed random batch of `c` (also used by bench/profile-step.ts). */
export function benchTask(c: ThroughputCase, built: BuiltModel, rng: Rng): BenchTask {
  const numClasses = BENCH_CLASSES[c.model];
  const [h, w] = c.inputShape;
  const model = built.model;
  if (c.model === 'unet-small') {
    const labels = randomPixelLabels(rng, c.batch * h * w, numClasses);
    return { loss: (xs) => segmentationLoss(model.apply(xs, { training: true }) as tf.Tensor, tf.tensor3d(labels, [c.batch, h, w], 'int32'), numClasses, IGNORE_INDEX) };
  }
  if (c.model === 'ssd-small') {
    const detector = (built as BuiltModel & { detector: Detector }).detector;
    const truth = randomSceneTruth(rng, c.batch, h, numClasses);
    // ssd.pytorch matches priors inside MultiBoxLoss.forward, so both sides time the matching every step.
    let targets: ReturnType<Detector['encodeTargets']> | undefined;
    return {
      prepare: () => (targets = detector.encodeTargets(truth)),
      loss: (xs) => detector.loss(xs, targets!).total,
      release: () => targets && disposeTargets(targets),
    };
  }
  const labels = Int32Array.from({ length: c.batch }, () => rng.int(numClasses));
  return { loss: (xs) => classificationLoss(model, xs, tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D) };
}

export async function measureThroughput(c: ThroughputCase, options: ThroughputOptions): Promise<ThroughputResult> {
  if (!(options.steps >= 1)) throw new Error(`throughput: steps must be >= 1, got ${options.steps}`);
  const engine = await initEngine({ backend: options.backend, nativeKernels: options.nativeKernels ?? true });
  const engineName = benchEngineName(engine);
  const built = buildBenchModel(c.model, { activation: { name: c.activation }, numClasses: BENCH_CLASSES[c.model], inputShape: c.inputShape, seed: 1, bnMomentum: 0.9 });
  const { model } = built;
  // A small learning rate keeps random-label training finite over any number of steps.
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const step = createTrainStep(model, optimizer);
  const rng = new Rng(7);
  const x = randomImages(rng, c.inputShape, c.batch);
  const task = benchTask(c, built, rng);
  const [h, w, ch] = c.inputShape;
  // As in runTraining: upload the batch, train, read the loss back (that read waits for the step to finish).
  const oneStep = async (): Promise<number> => {
    task.prepare?.();
    try {
      const loss = tf.tidy(() => step(() => task.loss(tf.tensor4d(x, [c.batch, h, w, ch]))));
      const value = (await loss.data())[0]!;
      loss.dispose();
      return value;
    } finally {
      task.release?.();
    }
  };
  try {
    for (let i = 0; i < options.warmupSteps; i++) await oneStep();
    // The median step, so that a burst of load from other processes on a shared machine counts once.
    const times: number[] = [];
    for (let i = 0; i < options.steps; i++) {
      const started = performance.now();
      const loss = await oneStep();
      times.push(performance.now() - started);
      if (!Number.isFinite(loss)) throw new Error(`throughput: ${c.model} loss became ${loss} on ${engineName}`);
    }
    const msPerStep = median(times);
    return { ...c, backend: engineName, steps: options.steps, msPerStep, imagesPerSecond: (c.batch * 1000) / msPerStep, params: trainableParams(model) };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
