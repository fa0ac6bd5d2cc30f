// The Task interface: what a task (classification, segmentation, detection) gives the shared training loop.
// Each task lives in its own folder (src/tasks/<task>/, as torchvision's references keep their own loops and
// evaluators side by side) and is one entry in src/tasks/registry.ts; the runner and the report only see the
// contract (spec.json, result.json) and the plain task catalog (src/tasks/catalog.ts).
import type { tf, tfl } from '../engine/tf.js';
import type { Rng } from '../engine/random.js';
import type { EpochRecord, MetricRecord } from '../contract/result.js';
import type { JobSpec } from '../contract/spec.js';
import type { TaskInfo } from './catalog.js';
import type { TrainState } from './train-state.js';

export interface StepProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

export interface ReadyInfo {
  trainCount: number;
  testCount: number;
  params: number;
  activationSites: number;
  engine: string;
}

export interface TrainHooks {
  onEpoch?(record: EpochRecord): void;
  onStep?(progress: StepProgress): void;
  /** Called once the data and model are ready, before the first step. */
  onReady?(info: ReadyInfo): void;
  /** A checkpoint of this spec to continue from: training goes on with the epoch after its last one. */
  resumeFrom?: TrainState;
  /** After every complete epoch that did not diverge (before onEpoch): the state to resume from, to be saved. */
  onCheckpoint?(state: TrainState): Promise<void> | void;
  /** Once, with the trained model of a run that ended 'ok', before the loop disposes it (to save the final weights). */
  onTrained?(model: tfl.LayersModel): Promise<void> | void;
}

/** What a training run produced. Metrics are raw numbers here (NaN when diverged); the job process writes them as the contract says. */
export interface TrainOutcome {
  status: 'ok' | 'diverged';
  metrics: Record<string, number>;
  perClass?: Record<string, MetricRecord>;
  history: EpochRecord[];
  env: { backend: string; versions: Record<string, string>; [k: string]: unknown };
  /** Why a diverged run stopped. */
  error?: string;
}

/** A task's evaluation of the model on its test split. */
export interface Evaluation {
  metrics: Record<string, number>;
  perClass?: Record<string, MetricRecord>;
}

/** The random streams of a run, forked from its seed (independent, so adding one never shifts another). */
export interface RunStreams {
  shuffle: Rng;
  augment: Rng;
}

/**
 * One task's side of a training run, prepared from a spec: the model, the data, the loss and the evaluation.
 * The shared loop (src/tasks/loop.ts) does the rest: optimizer, schedule, weight decay, epochs, divergence,
 * progress, the epoch records and the run's environment.
 */
export interface TrainingSession<Batch> {
  model: tfl.LayersModel;
  /** Names of the activation sites (each its own instance of the plugged activation). */
  activationSites: readonly string[];
  trainCount: number;
  testCount: number;
  /** Where the data came from (files), for the run record. */
  dataSource: readonly string[];
  /** This epoch's batches, in order: each reads (and augments) its batch when called, so reads can run ahead of compute. */
  epochBatches(streams: RunStreams): Array<() => Promise<Batch>>;
  /** Examples in a batch (the training loss is averaged over examples). */
  batchSize(batch: Batch): number;
  /** The training loss of a batch; called inside tf.variableGrads (and tf.tidy). */
  loss(batch: Batch): tf.Scalar;
  evaluate(): Promise<Evaluation>;
  /**
   * Optional: write example outputs of the trained model into `dir` (the job folder) for the report
   * (segmentation: the first validation images' predicted label maps, src/contract/examples.ts).
   */
  writeExamples?(dir: string): Promise<void>;
  /** Release what the data holds open (streamed files). */
  close(): Promise<void>;
}

/** Where a run may leave files besides its result (the job folder); without it a run writes nothing. */
export interface RunOptions {
  outputDir?: string;
}

export interface Task {
  info: TaskInfo;
  /** Load the data and build the model for `spec`; the loop owns the model from then on. */
  prepare(spec: JobSpec): Promise<TrainingSession<unknown>>;
}
