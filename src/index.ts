// Library entry of ash-bench.
export { tf, tfl } from './engine/tf.js';
export { initEngine, availableBackends, currentEngine, BACKEND_CHOICES } from './engine/backend.js';
export type { BackendChoice, EngineInfo } from './engine/backend.js';
export { UserError } from './engine/errors.js';
export type * from './contract/index.js';
export { JobSpecSchema, JobResultSchema, TrainRecipeSchema, parseResult, jobIdOf, TASK_NAMES } from './contract/index.js';
export {
  createActivation,
  activationNames,
  activationOptionsSchema,
  isAshLayer,
  readAshState,
  ashLayerStates,
} from './activations/registry.js';
export { AshLayer } from './activations/layers/ash.js';
export { AshHardLayer, AshTopKLayer } from './activations/layers/ash-fixed.js';
export { ReluLayer, LeakyReluLayer, SoftplusLayer, EluLayer, SeluLayer, GeluLayer, MishLayer } from './activations/layers/baselines.js';
export { PReluLayer, SwishLayer } from './activations/layers/learned-baselines.js';
export { normalQuantile } from './activations/normal-quantile.js';
export { runTraining, getTask } from './tasks/registry.js';
export { TASKS, taskInfo, metricInfo } from './tasks/catalog.js';
export type { TaskInfo, MetricInfo } from './tasks/catalog.js';
export type { Task, TrainingSession, TrainHooks, StepProgress, TrainOutcome } from './tasks/task.js';
export { getModel, modelNames } from './models/registry.js';
export { getDataset, datasetNames } from './data/registry.js';
export { loadSweepConfig } from './config/load.js';
export { expandJobs } from './config/expand.js';
export { runSweep } from './runner/sweep.js';
export { loadLayersModelFromDir, saveLayersModel } from './runner/model-files.js';
export { reportFromDir, renderReport, writeReport, renderSweepSummary, REPORT_FORMATS } from './report/index.js';
export { summarize as summarizeSample, welchTTest, kendallTauB } from './stats/index.js';
