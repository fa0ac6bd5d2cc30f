// Datasets by name. Each loader returns raw uint8 NHWC images plus labels (see types.ts).
import { unknownName } from '../engine/errors.js';
import { FASHION_MNIST, MNIST, loadMnistFamily } from './mnist.js';
import type { ClassificationData, LoadOptions } from './types.js';

export interface DatasetEntry {
  name: string;
  task: 'classification';
  description: string;
  load(options: LoadOptions): Promise<ClassificationData>;
}

const entries: DatasetEntry[] = [
  { name: 'fashion-mnist', task: 'classification', description: 'Fashion-MNIST, 28x28x1, 10 classes (IDX files; Debian: dataset-fashion-mnist)', load: (o) => loadMnistFamily(FASHION_MNIST, o) },
  { name: 'mnist', task: 'classification', description: 'MNIST digits, 28x28x1, 10 classes (IDX files)', load: (o) => loadMnistFamily(MNIST, o) },
];

const byName = new Map(entries.map((e) => [e.name, e]));

export function datasetNames(): string[] {
  return [...byName.keys()];
}

export function getDataset(name: string): DatasetEntry {
  const entry = byName.get(name);
  if (!entry) throw unknownName('dataset', name, datasetNames());
  return entry;
}

/** Add a dataset (used by dataset modules that register themselves). */
export function registerDataset(entry: DatasetEntry): void {
  byName.set(entry.name, entry);
}
