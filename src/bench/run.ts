// `ash bench`: every part in one run, one report object (printed as JSON or as text by format.ts).
import { availableParallelism, cpus, loadavg } from 'node:os';
import { availableBackends, parseBackendChoice } from '../engine/backend.js';
import { UserError } from '../engine/errors.js';
import { loadNativeKernels } from '../engine/native.js';
import { BENCH_MODELS, measureThroughput, type BenchModel, type ThroughputCase, type ThroughputResult } from './throughput.js';
import { findTorch, measureTorch, type TorchResult } from './torch-reference.js';
import { measureActivations, type ActivationBenchResult } from './activations.js';
import { measureStartup, type StartupResult } from './startup.js';
import { estimateSweep, SMOKE_CONFIG, type SweepEstimate } from './sweep-estimate.js';

export const BENCH_PARTS = ['throughput', 'torch', 'activations', 'startup', 'sweep'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchOptions {
  quick: boolean;
  /** One backend, or undefined for every available one. */
  backend?: string;
  parts: BenchPart[];
  /** Throughput (and PyTorch) cases of these models only; default every one. */
  models?: BenchModel[];
  log?: (line: string) => void;
}

export interface ThroughputRatio {
  model: string;
  inputShape: number[];
  batch: number;
  backend: string;
  /** ours / PyTorch on one thread: both use one core. */
  perCoreVsTorchOneThread: number;
  /** ours / (PyTorch on all threads / threads). */
  perCoreVsTorchAllThreads?: number;
}

export interface BenchReport {
  quick: boolean;
  machine: { cpu?: string; cores: number; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  throughput: ThroughputResult[];
  torch: { available: boolean; python?: string; version?: string; reason?: string; results: TorchResult[] };
  ratios: ThroughputRatio[];
  /** With the native kernels when built (fused Swish/ASH), else plain. */
  activations?: ActivationBenchResult;
  /** Plain WASM kernels, measured too when the native ones are built, so both ratios are on record. */
  activationsPlain?: ActivationBenchResult;
  startup?: StartupResult;
  sweep?: SweepEstimate;
  /** Parts that failed, with why; the others still ran. */
  errors: { part: BenchPart; message: string }[];
}

/**
 * The architectures and batches the issues name: resnet20 and the small CNN (classification), unet-small
 * (segmentation, 64x64x1) and ssd-small (detection, 64x64x1 as fashion-scenes). The pure-JS cpu backend is
 * ~1000x slower than PyTorch (resnet20 takes tens of seconds per image there), so it trains only the small
 * CNN on a tiny batch, one step. Quick mode checks that every part runs: resnet20 at 28x28x1 (what the sweep
 * estimate needs), the small CNN, unet-small and ssd-small, tiny batches, no warm-up; its numbers are not
 * comparable to a full run. `models` keeps the cases of those models only.
 */
export function throughputCases(quick: boolean, backend: string, models: readonly BenchModel[] = BENCH_MODELS): ThroughputCase[] {
  const smallCnn = (batch: number): ThroughputCase => ({ model: 'small-cnn', inputShape: [32, 32, 3], batch, activation: 'swish' });
  const resnet20 = (batch: number, inputShape: [number, number, number]): ThroughputCase => ({ model: 'resnet20', inputShape, batch, activation: 'swish' });
  const unetSmall = (batch: number): ThroughputCase => ({ model: 'unet-small', inputShape: [64, 64, 1], batch, activation: 'swish' });
  const ssdSmall = (batch: number): ThroughputCase => ({ model: 'ssd-small', inputShape: [64, 64, 1], batch, activation: 'swish' });
  const cases =
    backend === 'cpu'
      ? [smallCnn(quick ? 1 : 4)]
      : quick
        ? [resnet20(4, [28, 28, 1]), smallCnn(4), unetSmall(2), ssdSmall(2)]
        : [resnet20(128, [32, 32, 3]), resnet20(128, [28, 28, 1]), smallCnn(64), unetSmall(16), ssdSmall(16)];
  return cases.filter((c) => models.includes(c.model));
}

/** Backends a run measures: the one named, else every available one (quick mode leaves cpu out unless named). */
export function benchBackends(quick: boolean, backend?: string): string[] {
  if (backend !== undefined) {
    const choice = parseBackendChoice(backend);
    if (choice === 'auto') throw new UserError("ash bench --backend: name one backend (wasm, cpu, tensorflow, tensorflow-gpu), not 'auto'");
    return [choice];
  }
  return availableBackends().filter((b) => !(quick && b === 'cpu'));
}

function stepCounts(quick: boolean, backend: string): { warmupSteps: number; steps: number } {
  if (quick || backend === 'cpu') return { warmupSteps: 0, steps: 1 };
  return { warmupSteps: 2, steps: 5 };
}

function sameCase(a: ThroughputCase, b: ThroughputCase): boolean {
  return a.model === b.model && a.batch === b.batch && a.inputShape.join('x') === b.inputShape.join('x');
}

export function ratiosOf(ours: ThroughputResult[], torch: TorchResult[]): ThroughputRatio[] {
  const out: ThroughputRatio[] = [];
  for (const r of ours) {
    const one = torch.find((t) => t.threads === 1 && sameCase(t, r));
    if (!one) continue;
    const all = torch.filter((t) => t.threads > 1 && sameCase(t, r)).sort((a, b) => b.threads - a.threads)[0];
    out.push({
      model: r.model,
      inputShape: r.inputShape,
      batch: r.batch,
      backend: r.backend,
      perCoreVsTorchOneThread: r.imagesPerSecond / one.imagesPerSecond,
      ...(all ? { perCoreVsTorchAllThreads: r.imagesPerSecond / (all.imagesPerSecond / all.threads) } : {}),
    });
  }
  return out;
}

/** WASM is measured with the native kernels (when built) and without them; other backends once. */
function kernelVariants(backend: string): boolean[] {
  return backend === 'wasm' && loadNativeKernels().loaded ? [true, false] : [true];
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  // Per-core numbers: the native kernels get one thread, like WASM and PyTorch's one-thread reference
  // (the sweep runner gives each job its share of the cores instead). Set before anything loads them.
  process.env.ASH_NATIVE_THREADS ??= '1';
  const backends = benchBackends(options.quick, options.backend);
  const want = (part: BenchPart) => options.parts.includes(part);
  const report: BenchReport = {
    quick: options.quick,
    machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.versions.node, loadAverageBefore: loadavg(), loadAverageAfter: [] },
    throughput: [],
    torch: { available: false, results: [] },
    ratios: [],
    errors: [],
  };
  const attempt = async (part: BenchPart, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      if (err instanceof UserError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      report.errors.push({ part, message });
      log(`${part}: FAILED: ${message}`);
    }
  };
  // The single-core engine is the one the ratios and the sweep estimate are about.
  const primary = backends.includes('wasm') ? 'wasm' : backends[0]!;

  if (want('throughput')) {
    for (const backend of backends) {
      for (const c of throughputCases(options.quick, backend, options.models)) {
        for (const nativeKernels of kernelVariants(backend)) {
          await attempt('throughput', async () => {
            log(`throughput: ${c.model} ${c.inputShape.join('x')} batch ${c.batch} on ${backend}${nativeKernels ? '' : ' (no native kernels)'}`);
            report.throughput.push(await measureThroughput(c, { backend, nativeKernels, ...stepCounts(options.quick, backend) }));
          });
        }
      }
    }
  }
  if (want('torch')) {
    await attempt('torch', async () => {
      const probe = await findTorch();
      if (!probe.ok) {
        report.torch.reason = probe.reason;
        log(`torch: skipped: ${probe.reason}`);
        return;
      }
      Object.assign(report.torch, { available: true, python: probe.python, version: probe.version });
      const threads = [...new Set([1, availableParallelism()])];
      for (const c of throughputCases(options.quick, primary, options.models)) {
        for (const t of threads) {
          log(`torch: ${c.model} ${c.inputShape.join('x')} batch ${c.batch}, ${t} thread(s)`);
          report.torch.results.push(await measureTorch(probe.python, c, { threads: t, ...stepCounts(options.quick, primary) }));
        }
      }
    });
    report.ratios = ratiosOf(report.throughput, report.torch.results);
  }
  if (want('activations')) {
    await attempt('activations', async () => {
      const shape = options.quick ? [4, 8, 8, 8] : [64, 32, 32, 64];
      log(`activations: forward + backward on [${shape}] (${primary})`);
      const rounds = options.quick ? 1 : 5;
      report.activations = await measureActivations({ backend: primary, shape, rounds });
      if (kernelVariants(primary).length > 1) {
        log(`activations: again with plain WASM kernels`);
        report.activationsPlain = await measureActivations({ backend: primary, shape, rounds, nativeKernels: false });
      }
    });
  }
  if (want('startup')) {
    await attempt('startup', async () => {
      log(`startup: ash train processes (${primary}), cold then warm`);
      report.startup = await measureStartup({ backend: primary, model: 'resnet20', batch: options.quick ? 4 : 128, warm: true });
    });
  }
  if (want('sweep')) {
    await attempt('sweep', async () => {
      // What a sweep runs: the primary backend with native kernels when they are there.
      const measured = report.throughput.find((r) => r.backend.startsWith(primary) && r.model === 'resnet20' && r.inputShape.join('x') === '28x28x1');
      const startup = report.startup?.warm ?? report.startup?.cold;
      if (!measured || !startup) throw new Error('the sweep estimate needs the throughput (resnet20 28x28x1) and startup parts');
      report.sweep = estimateSweep({ configFile: SMOKE_CONFIG, backend: primary, msPerTrainImage: measured.msPerStep / measured.batch, readyMs: startup.readyMs });
    });
  }
  report.machine.loadAverageAfter = loadavg();
  return report;
}
