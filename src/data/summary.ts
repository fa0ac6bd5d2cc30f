// The `ash datasets inspect` summaries: plain JSON shapes, one per task, so that two copies of a dataset
// can be compared by diffing their summaries.
import { createHash } from 'node:crypto';
import type { ClassificationData, ClassificationSplit, DetectionRecord } from './types.js';

export interface ClassificationSplitSummary {
  count: number;
  shape: [number, number, number];
  numClasses: number;
  labelCounts: number[];
  /** SHA-256 hex of the first image's decoded uint8 pixels, HWC, at native size. */
  firstImageSha256: string;
}

export interface DetectionSplitSummary {
  count: number;
  /** Every box, difficult and crowd ones included. */
  objects: number;
  /** The number of classes of the dataset. */
  classes: number;
}

export interface SegmentationSplitSummary {
  count: number;
  numClasses: number;
}

export type SplitSummary = ClassificationSplitSummary | DetectionSplitSummary | SegmentationSplitSummary;

export interface DatasetSummary<S extends SplitSummary = SplitSummary> {
  dataset: string;
  splits: Record<string, S>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function countLabels(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}

export function summariseClassificationSplit(split: ClassificationSplit, shape: [number, number, number], numClasses: number): ClassificationSplitSummary {
  const pixels = shape[0] * shape[1] * shape[2];
  return {
    count: split.count,
    shape,
    numClasses,
    labelCounts: countLabels(split.labels.subarray(0, split.count), numClasses),
    firstImageSha256: split.count > 0 ? sha256Hex(split.images.subarray(0, pixels)) : '',
  };
}

/** Summary of in-memory classification data whose images are at native size (IDX, CIFAR). */
export function summariseClassification(data: ClassificationData): DatasetSummary<ClassificationSplitSummary> {
  return {
    dataset: data.dataset,
    splits: {
      train: summariseClassificationSplit(data.train, data.inputShape, data.numClasses),
      test: summariseClassificationSplit(data.test, data.inputShape, data.numClasses),
    },
  };
}

export function summariseDetection(dataset: string, classes: number, splits: Record<string, DetectionRecord[]>): DatasetSummary<DetectionSplitSummary> {
  const out: Record<string, DetectionSplitSummary> = {};
  for (const [name, records] of Object.entries(splits)) {
    out[name] = { count: records.length, objects: records.reduce((s, r) => s + r.classes.length, 0), classes };
  }
  return { dataset, splits: out };
}
