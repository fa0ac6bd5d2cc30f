// What each task is, as plain data: the datasets it takes, the head it asks a model for, its metrics (with
// their direction and how they are shown) and its primary metric. Light on purpose (no tfjs): the runner, the
// progress view, the report and the CLI read it without loading any training code.
import type { TaskName } from '../contract/task-name.js';
import type { EpochRecord } from '../contract/result.js';

export interface MetricInfo {
  key: string;
  /** Name in table titles, e.g. 'top-1 accuracy (%)'. */
  title: string;
  /** Name in progress lines, e.g. 'top-1'. */
  short: string;
  /** Accuracy-like metrics are printed in percent, like the paper. */
  percent: boolean;
  higherIsBetter: boolean;
  /** Decimals for the mean and for the CI. */
  digits: number;
}

/** The output a model must end with for a task: class logits, per-pixel class logits, or a detector's heads. */
export type ModelHead = 'class-logits' | 'pixel-logits' | 'detector';

export interface TaskInfo {
  name: TaskName;
  description: string;
  /** Datasets registered for this task are the ones it trains on. */
  datasetTask: TaskName;
  head: ModelHead;
  /** The metric tables lead with and `ash sweep` summarises. */
  primaryMetric: string;
  /** Every metric in the task's metrics record, the primary one first; progress lines show them in this order. */
  metrics: readonly MetricInfo[];
}

const pct = (key: string, title: string, short: string): MetricInfo => ({ key, title: `${title} (%)`, short, percent: true, higherIsBetter: true, digits: 2 });
const VAL_LOSS: MetricInfo = { key: 'valLoss', title: 'validation loss', short: 'val loss', percent: false, higherIsBetter: false, digits: 4 };

export const TASKS: Record<TaskName, TaskInfo> = {
  classification: {
    name: 'classification',
    description: 'image classification: softmax cross-entropy, top-1/top-5 accuracy (paper Tables 1-3)',
    datasetTask: 'classification',
    head: 'class-logits',
    primaryMetric: 'top1',
    metrics: [pct('top1', 'top-1 accuracy', 'top-1'), pct('top5', 'top-5 accuracy', 'top-5'), VAL_LOSS],
  },
  segmentation: {
    name: 'segmentation',
    description: 'semantic segmentation: per-pixel cross-entropy (ignore 255), mIoU as mmsegmentation (paper Tables 6-7)',
    datasetTask: 'segmentation',
    head: 'pixel-logits',
    primaryMetric: 'miou',
    metrics: [pct('miou', 'mIoU', 'mIoU'), pct('pixelAcc', 'pixel accuracy', 'pixel acc'), VAL_LOSS],
  },
  detection: {
    name: 'detection',
    description: 'object detection: mAP@50 (VOC devkit / COCOeval), mAP@[.5:.95], mAP@75 (paper Tables 4-5)',
    datasetTask: 'detection',
    head: 'detector',
    primaryMetric: 'map50',
    metrics: [pct('map50', 'mAP@50', 'mAP@50'), pct('map', 'mAP@[.5:.95]', 'mAP'), pct('map75', 'mAP@75', 'mAP@75')],
  },
};

export function taskInfo(name: TaskName): TaskInfo {
  return TASKS[name];
}

const TRAIN_LOSS: MetricInfo = { key: 'trainLoss', title: 'training loss', short: 'train loss', percent: false, higherIsBetter: false, digits: 4 };

/** How a metric is shown and which direction is better, from whichever task defines it. */
export function metricInfo(key: string): MetricInfo {
  if (key === TRAIN_LOSS.key) return TRAIN_LOSS;
  for (const task of Object.values(TASKS)) {
    const known = task.metrics.find((m) => m.key === key);
    if (known) return known;
  }
  // Unknown metrics: losses and errors are minimised, anything else is taken as a score.
  const lowerIsBetter = /loss|error|err$/i.test(key);
  return { key, title: key, short: key, percent: false, higherIsBetter: !lowerIsBetter, digits: 4 };
}

/** A metric value as progress lines show it: `top-1 72.60%`, `val loss 0.7100`, `-` for none. */
export function formatMetric(key: string, value: number | null | undefined): string {
  const info = metricInfo(key);
  const text = value === null || value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(info.digits)}${info.percent ? '%' : ''}`;
  return `${info.short} ${text}`;
}

/** The per-epoch progress line of a task: `epoch 2/5: train loss 1.1575  val loss 1.0376  top-1 61.80%  top-5 98.20%  (3.1 s)`. */
export function formatEpochLine(task: TaskName, record: EpochRecord, epochs: number): string {
  const info = taskInfo(task);
  // Losses first, then the scores in the task's order (the classification line as it always was).
  const keys = [...info.metrics.filter((m) => !m.higherIsBetter), ...info.metrics.filter((m) => m.higherIsBetter)].map((m) => m.key);
  const parts = [formatMetric('trainLoss', record.trainLoss), ...keys.map((key) => formatMetric(key, record.metrics[key]))];
  return `epoch ${record.epoch}/${epochs}: ${parts.join('  ')}  (${(record.seconds ?? 0).toFixed(1)} s)`;
}
