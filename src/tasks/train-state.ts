// Everything a run needs to continue after its last complete epoch as if it had never stopped: every model
// variable (trainable, batch-norm moving statistics, ASH z/alpha), the momentum accumulators, the positions of the
// shuffle and augmentation streams and of every SeededDropout's mask stream, the step counter and the history.
// Captured and restored here as plain arrays; the runner decides where they live on disk (src/runner/checkpoint.ts).
import { tf, type tfl } from '../engine/tf.js';
import type { RngState } from '../engine/random.js';
import { seededDropoutLayers } from '../models/dropout.js';
import type { EpochRecord } from '../contract/result.js';
import type { Evaluation, RunStreams } from './task.js';

export interface StateTensor {
  /** The variable's name without tfjs's per-process uniqueness suffix (e.g. `conv2d_3/kernel`), for checks and errors. */
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface TrainState {
  /** The last complete epoch; training continues with the next one. */
  epoch: number;
  /** Optimizer steps taken so far (the learning-rate schedule's position). */
  globalStep: number;
  history: EpochRecord[];
  /** The last epoch's evaluation, which the result reports if no epoch remains to run. */
  final: Evaluation;
  /** model.weights, in their order. */
  weights: StateTensor[];
  /** The optimizer's step count and its accumulators, one per trainable weight in the order the train step updates them. */
  optimizer: { iterations: number; slots: StateTensor[] };
  streams: { shuffle: RngState; augment: RngState };
  /** Each SeededDropout's mask stream, in layer order. */
  dropout: RngState[];
  /**
   * The job's wall clock up to this checkpoint, so a resumed run reports its whole time: the first attempt's start
   * (ISO 8601) and the seconds its attempts spent up to here. Set by whoever saves the checkpoint (the job
   * process), not by the training loop; absent in checkpoints written before it was kept.
   */
  clock?: JobClock;
}

export interface JobClock {
  startedAt: string;
  seconds: number;
}

async function readTensor(name: string, tensor: tf.Tensor): Promise<StateTensor> {
  if (tensor.dtype !== 'float32') throw new Error(`cannot checkpoint ${name}: dtype ${tensor.dtype} (only float32 variables are saved)`);
  return { name, shape: [...tensor.shape], values: (await tensor.data()) as Float32Array };
}

export interface LiveRun {
  model: tfl.LayersModel;
  /** The optimizer's state as tfjs keeps it (the step count, then its accumulators). */
  optimizer: Pick<tf.Optimizer, 'getWeights' | 'setWeights'>;
  streams: RunStreams;
}

/** Copy the run's state out of its tensors and streams (nothing the run holds is changed or disposed). */
export async function captureTrainState(run: LiveRun, progress: Pick<TrainState, 'epoch' | 'globalStep' | 'history' | 'final'>): Promise<TrainState> {
  const weights = await Promise.all(run.model.weights.map((w) => readTensor(w.originalName, w.read())));
  const named = await run.optimizer.getWeights();
  // The first entry is a fresh scalar with the step count; the rest are the optimizer's own variables.
  const iterations = (await named[0]!.tensor.data())[0]!;
  named[0]!.tensor.dispose();
  const slots = await Promise.all(named.slice(1).map((n) => readTensor(n.name, n.tensor)));
  return {
    epoch: progress.epoch,
    globalStep: progress.globalStep,
    history: progress.history.map((r) => structuredClone(r)),
    final: structuredClone(progress.final),
    weights,
    optimizer: { iterations, slots },
    streams: { shuffle: run.streams.shuffle.getState(), augment: run.streams.augment.getState() },
    dropout: seededDropoutLayers(run.model).map((layer) => layer.getRngState()),
  };
}

function checkShapes(what: string, saved: StateTensor[], expected: { name: string; shape: readonly (number | null)[] }[]): void {
  if (saved.length !== expected.length) throw new Error(`the checkpoint has ${saved.length} ${what}, the model ${expected.length}`);
  saved.forEach((s, i) => {
    const e = expected[i]!;
    if (s.shape.join('x') !== e.shape.join('x')) throw new Error(`checkpoint ${what} ${i} (${s.name}) has shape [${s.shape}], the model's ${e.name} [${e.shape}]`);
  });
}

/** Put a captured state back into a freshly prepared run of the same spec. */
export async function restoreTrainState(run: LiveRun, state: TrainState): Promise<void> {
  const { model, optimizer } = run;
  checkShapes('weights', state.weights, model.weights.map((w) => ({ name: w.originalName, shape: w.shape })));
  // The slots follow the variables that had a gradient, in trainable-weight order (tfjs matches them by position).
  if (state.optimizer.slots.length > model.trainableWeights.length) {
    throw new Error(`the checkpoint has ${state.optimizer.slots.length} optimizer slots, the model ${model.trainableWeights.length} trainable weights`);
  }
  const dropout = seededDropoutLayers(model);
  if (dropout.length !== state.dropout.length) throw new Error(`the checkpoint has ${state.dropout.length} dropout streams, the model ${dropout.length} dropout layers`);

  model.weights.forEach((w, i) => {
    const saved = state.weights[i]!;
    const value = tf.tensor(saved.values, saved.shape, 'float32');
    // write() points the variable at the new data (reference-counted), so the temporary handle can go.
    w.write(value);
    value.dispose();
  });
  const values = [
    { name: 'iter', tensor: tf.scalar(state.optimizer.iterations, 'int32') },
    ...state.optimizer.slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.values, s.shape, 'float32') })),
  ];
  // setWeights makes each slot a variable over the same data; the tensors given to it can then go.
  await optimizer.setWeights(values);
  for (const v of values) v.tensor.dispose();
  run.streams.shuffle.restoreState(state.streams.shuffle);
  run.streams.augment.restoreState(state.streams.augment);
  dropout.forEach((layer, i) => layer.restoreRngState(state.dropout[i]!));
}
