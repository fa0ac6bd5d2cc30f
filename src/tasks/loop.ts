// The training loop every task shares: the recipe's optimizer (SGD with or without Nesterov momentum and Adam with
// L2 weight decay added to the gradients of conv/dense kernels, PyTorch's weight_decay; AdamW with it decoupled),
// a per-step learning-rate schedule (optionally warmed up), seeded shuffling and
// augmentation, batches read one ahead of compute, the task's evaluation after every epoch, and a run that stops
// being finite ending as 'diverged' (a result, not a crash).
import { cpus } from 'node:os';
import { tf, tfl } from '../engine/tf.js';
import { describeEngine, initEngine } from '../engine/backend.js';
import { Rng } from '../engine/random.js';
import { packageCommit } from '../engine/provenance.js';
import { trainableParams } from '../models/summary.js';
import { ashLayerStates } from '../activations/registry.js';
import type { EpochRecord } from '../contract/result.js';
import type { JobSpec } from '../contract/spec.js';
import { learningRate } from './schedule.js';
import { createOptimizer, type RecipeOptimizer } from './optimizers.js';
import type { RunOptions, Task, TrainHooks, TrainOutcome, TrainingSession } from './task.js';
import { captureTrainState, restoreTrainState } from './train-state.js';

/** Weight decay applies to conv and dense kernels only, not to BN, biases or activation parameters. */
function isDecayed(variable: tfl.LayerVariable): boolean {
  return /(^|\/)(kernel|depthwise_kernel)(_\d+)?$/.test(variable.originalName);
}

/**
 * One optimizer step: the loss, its gradients, the update with the optimizer's weight decay on the decayed
 * kernels; returns the loss. Shared with `ash bench`, so that the benchmark times exactly the step that training
 * runs. Call inside tf.tidy.
 */
export function createTrainStep(model: tfl.LayersModel, optimizer: RecipeOptimizer): (loss: () => tf.Scalar) => tf.Scalar {
  const trainable = model.trainableWeights;
  const variables = trainable.map((w) => w.read() as tf.Variable);
  const decayed = trainable.filter(isDecayed).map((w) => w.read() as tf.Variable);
  return (loss) => {
    const { value, grads } = tf.variableGrads(loss, variables);
    optimizer.applyGradients(grads, decayed);
    return value;
  };
}

/** Train as `spec` says with `task`'s data, model, loss and evaluation; a finished run leaves its examples in `options.outputDir`. */
export async function runTask(task: Task, spec: JobSpec, hooks: TrainHooks = {}, options: RunOptions = {}): Promise<TrainOutcome> {
  const engine = await initEngine({ backend: spec.backend });
  const recipe = spec.train;
  const session: TrainingSession<unknown> = await task.prepare(spec);
  const rng = new Rng(spec.seed);
  const streams = { shuffle: rng.fork('shuffle'), augment: rng.fork('augment') };
  const { model } = session;
  const optimizer = createOptimizer(recipe.optimizer);
  const trainStep = createTrainStep(model, optimizer);
  const params = trainableParams(model);
  hooks.onReady?.({ trainCount: session.trainCount, testCount: session.testCount, params, activationSites: session.activationSites.length, engine: describeEngine(engine) });
  if (process.env.ASH_BENCH_TIMING) process.stderr.write(`ash timing: ready ${performance.now().toFixed(1)}\n`);

  const primary = task.info.primaryMetric;
  const history: EpochRecord[] = [];
  let status: TrainOutcome['status'] = 'ok';
  let error: string | undefined;
  let globalStep = 0;
  let examplesError: string | undefined;
  let final: Awaited<ReturnType<typeof session.evaluate>> | undefined;
  let firstEpoch = 1;

  try {
    const resume = hooks.resumeFrom;
    if (resume) {
      // Weights, momentum, streams and dropout masks continue exactly where the checkpoint's epoch ended, so the
      // epochs still to run draw and compute what they would have in a run never stopped.
      await restoreTrainState({ model, optimizer, streams }, resume);
      history.push(...resume.history);
      globalStep = resume.globalStep;
      final = resume.final;
      firstEpoch = resume.epoch + 1;
    }
    for (let epoch = firstEpoch; epoch <= recipe.epochs && status === 'ok'; epoch++) {
      const started = performance.now();
      let lossSum = 0;
      let seen = 0;
      let lr = recipe.optimizer.lr;
      const batches = session.epochBatches(streams);
      const stepsPerEpoch = batches.length;
      const totalSteps = stepsPerEpoch * recipe.epochs;
      // The next batch is requested before the current one trains, so a streamed dataset's disk reads
      // (libuv's thread pool) overlap the step's compute on this thread. Batches are still read one at a
      // time and in order, so the augmentation draws, and the results, are those of reading on demand.
      const read = (i: number) => {
        const reading = batches[i]!();
        // Marked handled at once: if the step before it throws or diverges, nobody awaits this read, and
        // its failure must not become an unhandled rejection (awaiting it still throws).
        reading.catch(() => undefined);
        return reading;
      };
      let pending = batches.length > 0 ? read(0) : undefined;
      for (let i = 0; i < batches.length; i++) {
        lr = learningRate(recipe, globalStep, { totalSteps, stepsPerEpoch });
        optimizer.setLearningRate(lr);
        const batch = await pending!;
        pending = i + 1 < batches.length ? read(i + 1) : undefined;
        const lossTensor = tf.tidy(() => trainStep(() => session.loss(batch)));
        const loss = (await lossTensor.data())[0]!;
        lossTensor.dispose();
        globalStep++;
        // `ash bench` measures job start-up to the end of the first step from this line (ms since process start).
        if (globalStep === 1 && process.env.ASH_BENCH_TIMING) process.stderr.write(`ash timing: first-step-done ${performance.now().toFixed(1)}\n`);
        if (!Number.isFinite(loss)) {
          status = 'diverged';
          error = `training loss became ${loss} at epoch ${epoch}, step ${i + 1}`;
          break;
        }
        const size = session.batchSize(batch);
        lossSum += loss * size;
        seen += size;
        hooks.onStep?.({ epoch, step: i + 1, steps: stepsPerEpoch, loss });
        // WASM kernels run synchronously and awaiting a tensor only queues a microtask, so without this the
        // event loop would never poll I/O during training: progress messages to the sweep would pile up
        // until the job ends, and a job whose sweep was killed would not notice until it had finished.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (status !== 'ok') break;
      const evaluation = await session.evaluate();
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / seen,
        lr,
        seconds: (performance.now() - started) / 1000,
        metrics: evaluation.metrics,
      };
      const ash = ashLayerStates(model);
      if (ash.length > 0) record.ash = ash;
      history.push(record);
      final = evaluation;
      // The validation loss where the task has one (its first sign of divergence), else the primary metric.
      const watched = 'valLoss' in evaluation.metrics ? 'valLoss' : primary;
      const value = evaluation.metrics[watched];
      if (value === undefined || !Number.isFinite(value)) {
        status = 'diverged';
        error = `${watched === 'valLoss' ? 'validation loss' : watched} became ${value} after epoch ${epoch}`;
      }
      // Saved before the epoch is reported, so an epoch in metrics.jsonl always has its checkpoint on disk.
      if (status === 'ok' && hooks.onCheckpoint) {
        await hooks.onCheckpoint(await captureTrainState({ model, optimizer, streams }, { epoch, globalStep, history, final: evaluation }));
      }
      hooks.onEpoch?.(record);
    }
    if (status === 'ok' && options.outputDir && session.writeExamples) {
      // The examples are for the report only: a run that trained for hours is not lost to a failed PNG write.
      try {
        await session.writeExamples(options.outputDir);
      } catch (err) {
        examplesError = (err as Error).message;
      }
    }
    if (status === 'ok') await hooks.onTrained?.(model);
  } finally {
    optimizer.dispose();
    await session.close();
  }
  const keys = task.info.metrics.map((m) => m.key);
  const outcome: TrainOutcome = {
    status,
    metrics: final && status === 'ok' ? { ...final.metrics } : Object.fromEntries(keys.map((k) => [k, NaN])),
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
      activationSites: session.activationSites.length,
      trainCount: session.trainCount,
      testCount: session.testCount,
      dataSource: session.dataSource,
      ...(examplesError ? { examplesError } : {}),
    },
  };
  if (final?.perClass && status === 'ok') outcome.perClass = final.perClass;
  if (error) outcome.error = error;
  model.dispose();
  return outcome;
}
