// Tasks by name. Adding a task is a folder under src/tasks/ and one entry here (plus its plain description in
// catalog.ts); nothing in the runner or the report changes.
import type { TaskName } from '../contract/task-name.js';
import type { JobSpec } from '../contract/spec.js';
import { classificationTask } from './classification/index.js';
import { segmentationTask } from './segmentation/index.js';
import { detectionTask } from './detection/index.js';
import { runTask } from './loop.js';
import type { RunOptions, Task, TrainHooks, TrainOutcome } from './task.js';

const tasks: Partial<Record<TaskName, Task>> = {
  classification: classificationTask,
  segmentation: segmentationTask,
  detection: detectionTask,
};

export function getTask(name: TaskName): Task {
  const task = tasks[name];
  if (!task) throw new Error(`task '${name}' has no training loop in this version`);
  return task;
}

/** Train and evaluate one run as its spec says, with its task's loop; `options.outputDir` receives the task's examples. */
export function runTraining(spec: JobSpec, hooks: TrainHooks = {}, options: RunOptions = {}): Promise<TrainOutcome> {
  return runTask(getTask(spec.task), spec, hooks, options);
}
