// Writes small Fashion-MNIST-layout datasets in the true IDX format (optionally gzipped).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/data/idx.js';

export interface FixtureSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Deterministic pixel pattern: pixel (n, r, c) = (n * 31 + r * 7 + c * 3) % 256. */
export function fixtureSplit(count: number, rows = 28, cols = 28): FixtureSplit {
  const images = new Uint8Array(count * rows * cols);
  for (let n = 0; n < count; n++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) images[(n * rows + r) * cols + c] = (n * 31 + r * 7 + c * 3) % 256;
  const labels = new Uint8Array(count).map((_, n) => (n * 3) % 10);
  return { images, labels, count };
}

export function writeMnistFixture(dir: string, options: { gzip: boolean; train?: number; test?: number; rows?: number; cols?: number }): { train: FixtureSplit; test: FixtureSplit } {
  mkdirSync(dir, { recursive: true });
  const rows = options.rows ?? 28;
  const cols = options.cols ?? 28;
  const train = fixtureSplit(options.train ?? 20, rows, cols);
  const test = fixtureSplit(options.test ?? 10, rows, cols);
  const write = (name: string, bytes: Uint8Array): void => writeFileSync(join(dir, options.gzip ? `${name}.gz` : name), options.gzip ? gzipSync(bytes) : bytes);
  write('train-images-idx3-ubyte', encodeIdx([train.count, rows, cols], train.images));
  write('train-labels-idx1-ubyte', encodeIdx([train.count], train.labels));
  write('t10k-images-idx3-ubyte', encodeIdx([test.count, rows, cols], test.images));
  write('t10k-labels-idx1-ubyte', encodeIdx([test.count], test.labels));
  return { train, test };
}
