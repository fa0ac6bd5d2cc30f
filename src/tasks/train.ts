// The classification training loop: SGD (+Nesterov momentum) with decoupled-from-loss L2 weight decay on
// conv/dense kernels (PyTorch's weight_decay), a per-step learning-rate schedule, seeded shuffling and
// augmentation, and an evaluation (top-1, top-5, validation loss) after every epoch.
import { cpus } from 'node:os';
import { tf, tfl } from '../engine/tf.js';
import { describeEngine, initEngine } from '../engine/backend.js';
import { Rng } from '../engine/random.js';
import { packageCommit } from '../engine/provenance.js';
import { loadTrainingData } from '../data/registry.js';
import { batchIndices, readBatch } from '../data/batches.js';
import { isStreamed, type TrainingData, type TrainingSplit } from '../data/types.js';
import { isRandomResizedCrop } from '../data/augment.js';
import { getModel } from '../models/registry.js';
import { trainableParams } from '../models/summary.js';
import { ashLayerStates } from '../activations/registry.js';
import { learningRate } from './schedule.js';
import { emptyTally, summarise, tallyBatch } from './metrics.js';
import type { EpochRecord, TrainResult, TrainSpec } from './spec.js';

export interface StepProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

export interface TrainHooks {
  onEpoch?(record: EpochRecord): void;
  onStep?(progress: StepProgress): void;
  /** Called once the data and model are ready, before the first step. */
  onReady?(info: { trainCount: number; testCount: number; params: number; activationSites: number; engine: string }): void;
}

const EVAL_BATCH = 256;

/** Weight decay applies to conv and dense kernels only, not to BN, biases or activation parameters. */
function isDecayed(variable: tfl.LayerVariable): boolean {
  return /(^|\/)(kernel|depthwise_kernel)(_\d+)?$/.test(variable.originalName);
}

function toTensors(data: TrainingData, x: Float32Array, y: Int32Array, size: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const [h, w, c] = data.inputShape;
  const xs = tf.tensor4d(x, [size, h, w, c]);
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), data.numClasses), 'float32') as tf.Tensor2D);
  return { xs, ys };
}

export async function evaluate(model: tfl.LayersModel, data: TrainingData, split: TrainingSplit): Promise<{ top1: number; top5: number; valLoss: number }> {
  const tally = emptyTally();
  const order = new Int32Array(split.count).map((_, i) => i);
  for (const indices of batchIndices(order, EVAL_BATCH)) {
    const batch = await readBatch(data, split, indices);
    const [h, w, c] = data.inputShape;
    const logProbs = tf.tidy(() => {
      const logits = model.apply(tf.tensor4d(batch.x, [batch.size, h, w, c]), { training: false }) as tf.Tensor;
      return tf.logSoftmax(logits);
    });
    tallyBatch(tally, logProbs.dataSync() as Float32Array, batch.y, data.numClasses);
    logProbs.dispose();
  }
  return summarise(tally);
}

/**
 * One SGD step on a batch: forward, softmax cross-entropy, gradients, weight decay, update; returns the loss.
 * Shared with `ash bench`, so that the benchmark times exactly the step that training runs. Call inside tf.tidy.
 */
export function createTrainStep(model: tfl.LayersModel, optimizer: tf.Optimizer, weightDecay: number): (xs: tf.Tensor4D, ys: tf.Tensor2D) => tf.Scalar {
  const trainable = model.trainableWeights;
  const variables = trainable.map((w) => w.read() as tf.Variable);
  const decayed = trainable.filter(isDecayed).map((w) => w.read() as tf.Variable);
  return (xs, ys) => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(xs, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
    }, variables);
    if (weightDecay > 0) {
      for (const v of decayed) grads[v.name] = tf.add(grads[v.name]!, tf.mul(v, weightDecay));
    }
    optimizer.applyGradients(grads as tf.NamedTensorMap as never);
    return value;
  };
}

/** Train one model as `spec` says. Resolves with status 'diverged' when the loss stops being finite. */
export async function runTraining(spec: TrainSpec, hooks: TrainHooks = {}): Promise<TrainResult> {
  const engine = await initEngine({ backend: spec.backend });
  const recipe = spec.train;
  // Random-resized-crop cuts its boxes from the larger source-size images (256 for a 224 input), not from
  // the evaluation crop; evaluation reads the test split at the input size either way.
  const data = await loadTrainingData(spec.dataset, { ...spec.data, trainSourceSize: isRandomResizedCrop(recipe.augment) });
  const rng = new Rng(spec.seed);
  const shuffleRng = rng.fork('shuffle');
  const augmentRng = rng.fork('augment');

  const { model, activationSites } = getModel(spec.model).build({
    activation: spec.activation,
    numClasses: data.numClasses,
    inputShape: data.inputShape,
    seed: spec.seed,
    bnMomentum: recipe.bnMomentum,
  });
  const optimizer = tf.train.momentum(recipe.optimizer.lr, recipe.optimizer.momentum, recipe.optimizer.nesterov);
  const trainStep = createTrainStep(model, optimizer, recipe.optimizer.weightDecay);
  const params = trainableParams(model);
  hooks.onReady?.({ trainCount: data.train.count, testCount: data.test.count, params, activationSites: activationSites.length, engine: describeEngine(engine) });
  if (process.env.ASH_BENCH_TIMING) process.stderr.write(`ash timing: ready ${performance.now().toFixed(1)}\n`);

  const stepsPerEpoch = Math.ceil(data.train.count / recipe.batchSize);
  const totalSteps = stepsPerEpoch * recipe.epochs;
  const history: EpochRecord[] = [];
  let status: TrainResult['status'] = 'ok';
  let error: string | undefined;
  let globalStep = 0;

  try {
    for (let epoch = 1; epoch <= recipe.epochs && status === 'ok'; epoch++) {
      const started = performance.now();
      let lossSum = 0;
      let seen = 0;
      let lr = recipe.optimizer.lr;
      const order = shuffleRng.permutation(data.train.count);
      let step = 0;
      // The next batch is requested before the current one trains, so a streamed dataset's disk reads
      // (libuv's thread pool) overlap the step's compute on this thread. Batches are still read one at a
      // time and in order, so the augmentation draws, and the results, are those of reading on demand.
      const batchList = [...batchIndices(order, recipe.batchSize)];
      const read = (i: number) => {
        const reading = readBatch(data, data.train, batchList[i]!, { rng: augmentRng, options: recipe.augment });
        // Marked handled at once: if the step before it throws or diverges, nobody awaits this read, and
        // its failure must not become an unhandled rejection (awaiting it still throws).
        reading.catch(() => undefined);
        return reading;
      };
      let pending: ReturnType<typeof read> | undefined = batchList.length > 0 ? read(0) : undefined;
      for (let i = 0; i < batchList.length; i++) {
        lr = learningRate(recipe, globalStep, totalSteps);
        optimizer.setLearningRate(lr);
        const batch = await pending!;
        pending = i + 1 < batchList.length ? read(i + 1) : undefined;
        const lossTensor = tf.tidy(() => {
          const { xs, ys } = toTensors(data, batch.x, batch.y, batch.size);
          return trainStep(xs, ys);
        });
        const loss = (await lossTensor.data())[0]!;
        lossTensor.dispose();
        step++;
        globalStep++;
        // `ash bench` measures job start-up to the end of the first step from this line (ms since process start).
        if (globalStep === 1 && process.env.ASH_BENCH_TIMING) process.stderr.write(`ash timing: first-step-done ${performance.now().toFixed(1)}\n`);
        if (!Number.isFinite(loss)) {
          status = 'diverged';
          error = `training loss became ${loss} at epoch ${epoch}, step ${step}`;
          break;
        }
        lossSum += loss * batch.size;
        seen += batch.size;
        hooks.onStep?.({ epoch, step, steps: stepsPerEpoch, loss });
        // WASM kernels run synchronously and awaiting a tensor only queues a microtask, so without this the
        // event loop would never poll I/O during training: progress messages to the sweep would pile up
        // until the job ends, and a job whose sweep was killed would not notice until it had finished.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (status !== 'ok') break;
      const metrics = await evaluate(model, data, data.test);
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / seen,
        valLoss: metrics.valLoss,
        top1: metrics.top1,
        top5: metrics.top5,
        lr,
        seconds: (performance.now() - started) / 1000,
      };
      const ash = ashLayerStates(model);
      if (ash.length > 0) record.ash = ash;
      history.push(record);
      hooks.onEpoch?.(record);
      if (!Number.isFinite(metrics.valLoss)) {
        status = 'diverged';
        error = `validation loss became ${metrics.valLoss} after epoch ${epoch}`;
      }
    }
  } finally {
    optimizer.dispose();
    for (const split of [data.train, data.test]) if (isStreamed(split)) await split.close();
  }
  const last = history[history.length - 1];
  const result: TrainResult = {
    status,
    metrics: last && status === 'ok' ? { top1: last.top1, top5: last.top5, valLoss: last.valLoss } : { top1: NaN, top5: NaN, valLoss: NaN },
    history,
    env: {
      backend: engine.name,
      versions: engine.versions,
      simd: engine.simd,
      threads: engine.threads,
      // Native oneDNN kernels change rounding (not results' meaning): recorded so runs can be compared.
      nativeKernels: engine.nativeKernels,
      cpu: cpus()[0]?.model,
      commit: packageCommit(),
      params,
      activationSites: activationSites.length,
      trainCount: data.train.count,
      testCount: data.test.count,
      dataSource: data.source,
    },
    spec,
  };
  if (error) result.error = error;
  model.dispose();
  return result;
}
