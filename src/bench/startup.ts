// Job start-up overhead: a real `ash train` process, from process start to the end of its first training
// step. The child prints `ash timing: ready <ms>` and `ash timing: first-step-done <ms>` (ms since its own
// process start, node's performance.now()) when ASH_BENCH_TIMING is set (src/tasks/train.ts).
// Cold = the first process on a fresh data directory; warm = the same job again right after, with the
// data files and node's module files in the OS page cache (Fashion-MNIST IDX files have no decoded-tensor
// cache: they are read as they are).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { encodeIdx } from '../data/idx.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How to start `ash`: the built CLI next to this module, or, when this module runs from TypeScript source
 * (tsx: tests, `npx tsx`), the source CLI through tsx, so the bench never times a stale build.
 */
export function defaultCli(): string[] {
  if (import.meta.url.endsWith('.ts')) return [process.execPath, '--import', 'tsx', fileURLToPath(new URL('../cli/main.ts', import.meta.url))];
  return [process.execPath, fileURLToPath(new URL('../cli/main.js', import.meta.url))];
}

export interface StartupRun {
  /** ms from spawn to the child's exit, measured by this process. */
  wallMs: number;
  /** ms from the child's start to data loaded and model built. */
  readyMs: number;
  /** ms from the child's start to the end of its first training step. */
  firstStepMs: number;
}

export interface StartupResult {
  backend: string;
  model: string;
  batch: number;
  cold: StartupRun;
  warm?: StartupRun;
}

export interface StartupOptions {
  backend: string;
  model: string;
  batch: number;
  /** Also run the job a second time (warm caches). */
  warm: boolean;
  /** How to start `ash`: the program and its leading arguments (default: defaultCli()). */
  cli?: string[];
}

/** A Fashion-MNIST-layout dataset of `count` deterministic 28x28 images in the true IDX format. */
async function writeTinyFashionMnist(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const images = new Uint8Array(count * 28 * 28).map((_, i) => (i * 37) % 256);
  const labels = new Uint8Array(count).map((_, i) => i % 10);
  await Promise.all(
    ['train', 't10k'].map(async (prefix) => {
      await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([count, 28, 28], images));
      await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([count], labels));
    }),
  );
}

export function parseTimingLines(stderr: string): { readyMs: number; firstStepMs: number } {
  const find = (what: string): number => {
    const m = new RegExp(`^ash timing: ${what} (\\d+(?:\\.\\d+)?)$`, 'm').exec(stderr);
    if (!m) throw new Error(`startup: the train process printed no 'ash timing: ${what}' line; its stderr ends: ${stderr.trim().slice(-400)}`);
    return Number(m[1]);
  };
  return { readyMs: find('ready'), firstStepMs: find('first-step-done') };
}

async function runOnce(cli: string[], args: string[]): Promise<StartupRun> {
  const [program, ...lead] = cli;
  const started = performance.now();
  const r = await execa(program!, [...lead, ...args], { reject: false, cwd: PACKAGE_ROOT, env: { ASH_BENCH_TIMING: '1' } });
  const wallMs = performance.now() - started;
  if (r.exitCode !== 0) throw new Error(`startup: ${cli.join(' ')} ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().slice(-400)}`);
  return { wallMs, ...parseTimingLines(r.stderr) };
}

export async function measureStartup(options: StartupOptions): Promise<StartupResult> {
  const cli = options.cli ?? defaultCli();
  const dir = await mkdtemp(join(tmpdir(), 'ash-bench-startup-'));
  try {
    await writeTinyFashionMnist(join(dir, 'data'), options.batch);
    const args = [
      'train', '--dataset', 'fashion-mnist', '--data-dir', join(dir, 'data'),
      '--model', options.model, '--activation', 'swish', '--backend', options.backend,
      '--epochs', '1', '--batch-size', String(options.batch), '--train-limit', String(options.batch), '--test-limit', String(options.batch),
    ];
    // Each run trains into its own folder: a second run into the first one's would find it finished.
    const cold = await runOnce(cli, [...args, '--out', join(dir, 'cold')]);
    const warm = options.warm ? await runOnce(cli, [...args, '--out', join(dir, 'warm')]) : undefined;
    return { backend: options.backend, model: options.model, batch: options.batch, cold, ...(warm ? { warm } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
