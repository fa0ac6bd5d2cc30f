// Writes small CIFAR-10 / CIFAR-100 datasets in the official binary format: per record the label
// byte(s), then the R, G and B planes of a 32x32 image, each row-major.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Pixel value of example n (numbered across all files of a split), channel ch, row r, column c. */
export function cifarPixel(n: number, ch: number, r: number, c: number): number {
  return (n * 17 + ch * 50 + r * 3 + c * 5) % 256;
}

export const cifar10Label = (n: number): number => (n * 7) % 10;
export const cifar100Fine = (n: number): number => (n * 13) % 100;
export const cifar100Coarse = (n: number): number => (n * 3) % 20;

/** One record: label bytes then CHW planes, built straight from cifarPixel. */
function record(labels: number[], n: number): Uint8Array {
  const out = new Uint8Array(labels.length + 3072);
  out.set(labels, 0);
  for (let ch = 0; ch < 3; ch++) for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) out[labels.length + ch * 1024 + r * 32 + c] = cifarPixel(n, ch, r, c);
  return out;
}

function records(first: number, count: number, labelsOf: (n: number) => number[]): Uint8Array {
  const parts = Array.from({ length: count }, (_, i) => record(labelsOf(first + i), first + i));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The expected HWC bytes of example n, computed from the pixel formula (not from the files). */
export function cifarHwc(n: number): Uint8Array {
  const out = new Uint8Array(3072);
  for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) for (let ch = 0; ch < 3; ch++) out[(r * 32 + c) * 3 + ch] = cifarPixel(n, ch, r, c);
  return out;
}

export const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** cifar-10-batches-bin/ under `root`: 5 training files of `perBatch` records and a test file of `test` records. */
export function writeCifar10(root: string, perBatch = 3, test = 4): string {
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  for (let b = 0; b < 5; b++) writeFileSync(join(dir, `data_batch_${b + 1}.bin`), records(b * perBatch, perBatch, (n) => [cifar10Label(n)]));
  // Test examples are numbered from 1000 so their pixels differ from the training ones.
  writeFileSync(join(dir, 'test_batch.bin'), records(1000, test, (n) => [cifar10Label(n)]));
  writeFileSync(join(dir, 'batches.meta.txt'), `${CIFAR10_NAMES.join('\n')}\n\n`);
  return dir;
}

/** cifar-100-binary/ under `root` with `train` and `test` records (coarse byte, then fine byte). */
export function writeCifar100(root: string, train = 6, test = 3): string {
  const dir = join(root, 'cifar-100-binary');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.bin'), records(0, train, (n) => [cifar100Coarse(n), cifar100Fine(n)]));
  writeFileSync(join(dir, 'test.bin'), records(1000, test, (n) => [cifar100Coarse(n), cifar100Fine(n)]));
  return dir;
}
