// Training throughput: images per second of the real training step (src/tasks/loop.ts createTrainStep:
// forward, softmax cross-entropy, gradients, weight decay, Nesterov SGD update, loss read back) on random
// data, after warm-up steps that compile kernels and fill tfjs's caches; the median timed step counts.
import { tf } from '../engine/tf.js';
import { initEngine, type EngineInfo } from '../engine/backend.js';
import { Rng } from '../engine/random.js';
import { getModel } from '../models/registry.js';
import { createTrainStep } from '../tasks/loop.js';
import { createOptimizer } from '../tasks/optimizers.js';
import { classificationLoss } from '../tasks/classification/index.js';
import { buildSmallCnn } from './small-cnn.js';
import { median } from './stats.js';
import type { BuiltModel, ModelBuildOptions } from '../models/types.js';

/** The architectures the bench trains; the names match bench/torch_reference.py's --model. */
export const BENCH_MODELS = ['resnet20', 'small-cnn'] as const;
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
}

const NUM_CLASSES = 10;

/** How bench reports name an engine: its backend, with '+onednn' when the native kernels run. */
export function benchEngineName(engine: EngineInfo): string {
  return engine.nativeKernels ? `${engine.name}+onednn` : engine.name;
}

function build(model: BenchModel, options: ModelBuildOptions): BuiltModel {
  return model === 'small-cnn' ? buildSmallCnn(options) : getModel(model).build(options);
}

/** Random inputs and labels for one batch, from a seeded stream so every backend sees the same data. */
function randomBatch(shape: [number, number, number], batch: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(7);
  const x = new Float32Array(batch * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  const labels = new Int32Array(batch).map(() => rng.int(NUM_CLASSES));
  return { x, labels };
}

export async function measureThroughput(c: ThroughputCase, options: ThroughputOptions): Promise<ThroughputResult> {
  if (!(options.steps >= 1)) throw new Error(`throughput: steps must be >= 1, got ${options.steps}`);
  const engine = await initEngine({ backend: options.backend, nativeKernels: options.nativeKernels ?? true });
  const engineName = benchEngineName(engine);
  const { model } = build(c.model, { activation: { name: c.activation }, numClasses: NUM_CLASSES, inputShape: c.inputShape, seed: 1, bnMomentum: 0.9 });
  // A small learning rate keeps random-label training finite over any number of steps.
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const step = createTrainStep(model, optimizer);
  const { x, labels } = randomBatch(c.inputShape, c.batch);
  const [h, w, ch] = c.inputShape;
  // As in runTraining: upload the batch, train, read the loss back (that read waits for the step to finish).
  const oneStep = async (): Promise<number> => {
    const loss = tf.tidy(() => {
      const xs = tf.tensor4d(x, [c.batch, h, w, ch]);
      const ys = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), NUM_CLASSES), 'float32') as tf.Tensor2D;
      return step(() => classificationLoss(model, xs, ys));
    });
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
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
    return { ...c, backend: engineName, steps: options.steps, msPerStep, imagesPerSecond: (c.batch * 1000) / msPerStep };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
