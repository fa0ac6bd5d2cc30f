// Fashion-MNIST and MNIST from their IDX files (gzipped or not).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { assertReadableFiles } from './check.js';
import { readIdx } from './idx.js';
import type { ClassificationData, ClassificationSplit, LoadOptions } from './types.js';

interface MnistFamily {
  name: string;
  /** Directories searched when no --data-dir is given (Debian's packages first). */
  defaultDirs: string[];
  howToGet: string;
  mean: number;
  std: number;
  flipOk: boolean;
}

export const FASHION_MNIST: MnistFamily = {
  name: 'fashion-mnist',
  defaultDirs: ['/usr/share/datasets/fashion-mnist', 'data/fashion-mnist'],
  howToGet: 'install the Debian package (`sudo apt-get install -y dataset-fashion-mnist`), or download the four IDX files from https://github.com/zalandoresearch/fashion-mnist and pass --data-dir',
  mean: 0.286,
  std: 0.353,
  flipOk: true,
};

export const MNIST: MnistFamily = {
  name: 'mnist',
  defaultDirs: ['/usr/share/datasets/mnist', 'data/mnist'],
  howToGet: 'download the four IDX files from https://yann.lecun.com/exdb/mnist/ (or a mirror) and pass --data-dir',
  mean: 0.1307,
  std: 0.3081,
  flipOk: false,
};

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The file of `base` in `dir`, gzipped or not, or undefined. */
function findFile(dir: string, base: string): string | undefined {
  for (const candidate of [join(dir, `${base}.gz`), join(dir, base)]) if (existsSync(candidate)) return candidate;
  return undefined;
}

function locate(family: MnistFamily, dataDir?: string): Record<keyof typeof FILES, string> {
  const dirs = dataDir ? [dataDir] : family.defaultDirs;
  for (const dir of dirs) {
    const found = Object.fromEntries(Object.entries(FILES).map(([k, base]) => [k, findFile(dir, base)]));
    if (Object.values(found).every(Boolean)) return found as Record<keyof typeof FILES, string>;
    if (dataDir) {
      const missing = Object.entries(FILES).filter(([k]) => !found[k]).map(([, b]) => `${b}[.gz]`);
      throw new UserError(`${family.name}: ${dir} lacks ${missing.join(', ')}. To get the data: ${family.howToGet}.`);
    }
  }
  throw new UserError(`${family.name}: no data found; looked in ${dirs.join(', ')} for ${Object.values(FILES).map((b) => `${b}[.gz]`).join(', ')}. To get it: ${family.howToGet}.`);
}

async function readSplit(imagesFile: string, labelsFile: string, limit?: number): Promise<{ split: ClassificationSplit; h: number; w: number }> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (images.shape.length !== 3) throw new UserError(`${imagesFile}: expected a 3-dimensional IDX file (count, rows, cols), got shape [${images.shape.join(', ')}]`);
  if (labels.shape.length !== 1) throw new UserError(`${labelsFile}: expected a 1-dimensional IDX file of labels, got shape [${labels.shape.join(', ')}]`);
  const [n, h, w] = images.shape as [number, number, number];
  if (n === 0 || h === 0 || w === 0) throw new UserError(`${imagesFile}: holds no images (shape [${images.shape.join(', ')}]); expected at least one image`);
  if (labels.shape[0] !== n) throw new UserError(`${labelsFile}: holds ${labels.shape[0]} labels but ${imagesFile} holds ${n} images`);
  const count = limit === undefined ? n : Math.min(limit, n);
  for (let i = 0; i < count; i++) {
    if (labels.data[i]! > 9) throw new UserError(`${labelsFile}: label ${labels.data[i]} at record ${i} is outside 0..9`);
  }
  return { split: { count, images: images.data.subarray(0, count * h * w), labels: labels.data.subarray(0, count) }, h, w };
}

/** The preflight check: the four files are there and readable (nothing is decoded). */
export function checkMnistFamily(family: MnistFamily, options: LoadOptions): void {
  assertReadableFiles(family.name, Object.values(locate(family, options.dataDir)));
}

/** Load the first trainLimit / testLimit examples of each split (the files are already shuffled). */
export async function loadMnistFamily(family: MnistFamily, options: LoadOptions): Promise<ClassificationData> {
  const files = locate(family, options.dataDir);
  const [train, test] = await Promise.all([
    readSplit(files.trainImages, files.trainLabels, options.trainLimit),
    readSplit(files.testImages, files.testLabels, options.testLimit),
  ]);
  // The model is built for the train split's size; a test split of another size must not slip through.
  if (test.h !== train.h || test.w !== train.w) {
    throw new UserError(`${files.testImages}: images are ${test.h}x${test.w}, but ${files.trainImages} has ${train.h}x${train.w}; both splits must have the same size`);
  }
  return {
    dataset: family.name,
    numClasses: 10,
    inputShape: [train.h, train.w, 1],
    mean: [family.mean],
    std: [family.std],
    flipOk: family.flipOk,
    train: train.split,
    test: test.split,
    source: Object.values(files),
  };
}
