// Writes results directories in the exact on-disk shape of the sweep runner (result.json, schema 1), for tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureRun {
  sweep?: string;
  activation: string;
  label?: string;
  model?: string;
  dataset?: string;
  seed: number;
  status?: 'ok' | 'diverged' | 'failed';
  top1?: number | null;
  top5?: number | null;
  valLoss?: number | null;
  epochs?: number;
  paper?: string;
}

export function jobIdOf(run: FixtureRun): string {
  return `${run.label ?? run.activation}-${run.model ?? 'resnet20'}-${run.dataset ?? 'cifar10'}-s${run.seed}`.replace(/[^\w.-]/g, '_');
}

/** A result.json object exactly as the runner writes it; history has a falling loss and, for ASH, z and alpha. */
export function makeResult(run: FixtureRun): Record<string, unknown> {
  const status = run.status ?? 'ok';
  const epochs = run.epochs ?? 3;
  const top1 = run.top1 === undefined ? 0.9 : run.top1;
  const finalLoss = run.valLoss === undefined ? 0.3 : run.valLoss;
  const history = Array.from({ length: status === 'failed' ? 0 : epochs }, (_, i) => {
    const epoch = i + 1;
    const shrink = (epochs - epoch) * 0.2;
    const record: Record<string, unknown> = {
      epoch,
      trainLoss: finalLoss === null ? null : finalLoss + shrink + 0.05,
      valLoss: finalLoss === null ? null : finalLoss + shrink,
      top1: top1 === null ? null : top1 - (epochs - epoch) * 0.01,
      top5: 0.99,
      lr: 0.1 * (1 - i / epochs),
      seconds: 12.5,
    };
    if (run.activation === 'ash') {
      record.ash = [
        { layer: 'stage1/ash_1', z: 0.001 + 0.1 * epoch + 0.01 * run.seed, alpha: 1 + 0.05 * epoch },
        { layer: 'stage2/ash_2', z: 0.001 - 0.05 * epoch, alpha: 1 + 0.1 * epoch },
      ];
    }
    return record;
  });
  const spec: Record<string, unknown> = {
    sweep: run.sweep ?? 'smoke',
    // The runner always writes a label; for a plain activation it is the activation's name.
    label: run.label ?? run.activation,
    activation: run.activation === 'ash' ? { name: 'ash', k: 0.5 } : { name: run.activation },
    model: run.model ?? 'resnet20',
    dataset: run.dataset ?? 'cifar10',
    seed: run.seed,
    train: {
      epochs,
      batchSize: 128,
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
      schedule: 'cosine',
      bnMomentum: 0.9,
      augment: { crop: 4, flip: true },
    },
    data: { trainLimit: 512, testLimit: 256 },
    backend: 'cpu',
  };
  if (run.paper !== undefined) spec.paper = run.paper;
  const startedAt = new Date(Date.UTC(2025, 0, 1, 12, 0, run.seed * 10));
  const finishedAt = new Date(startedAt.getTime() + 37_500);
  const result: Record<string, unknown> = {
    schema: 1,
    jobId: jobIdOf(run),
    status,
    spec,
    metrics: status === 'failed' ? null : { top1, top5: run.top5 === undefined ? 0.99 : run.top5, valLoss: finalLoss },
    history,
    env: {
      backend: 'cpu',
      versions: { '@tensorflow/tfjs-core': '4.22.0', node: 'v20.20.2' },
      platform: 'linux',
      // As the runner records it: resnet20's trainable parameters; ASH adds z and alpha at each of its 19 sites.
      params: run.activation === 'ash' ? 271994 + 2 * 19 : 271994,
      commit: '57829f8e0f1c2d3b4a5968778695a4b3c2d1e0f9',
    },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
  if (status !== 'ok') result.error = status === 'failed' ? 'Error: out of memory' : 'loss became NaN at epoch 2';
  return result;
}

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'ash-report-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes <root>/<sweep>/<jobId>/result.json for each run; returns root. */
export function writeResults(root: string, runs: readonly FixtureRun[]): string {
  for (const run of runs) {
    const dir = join(root, run.sweep ?? 'smoke', jobIdOf(run));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'result.json'), `${JSON.stringify(makeResult(run), null, 2)}\n`);
  }
  return root;
}

/** Nine activations x 3 seeds on resnet20/cifar10 plus mish, ASH best, one diverged SELU and one failed ELU run. */
export function smokeRuns(): FixtureRun[] {
  const base: Record<string, number> = {
    relu: 0.901, lrelu: 0.903, prelu: 0.902, softplus: 0.899, elu: 0.895, selu: 0.904, gelu: 0.908, swish: 0.906, ash: 0.912, mish: 0.907,
  };
  const runs: FixtureRun[] = [];
  for (const [activation, top1] of Object.entries(base)) {
    for (const seed of [1, 2, 3]) {
      const jitter = [0, 0.002, -0.001][seed - 1]!;
      const run: FixtureRun = { activation, seed, top1: top1 + jitter, valLoss: 1 - top1 + jitter };
      if (activation === 'selu' && seed === 3) Object.assign(run, { status: 'diverged', top1: null, valLoss: null });
      if (activation === 'elu' && seed === 2) run.status = 'failed';
      runs.push(run);
    }
  }
  return runs;
}

/** Small hand-checkable sweep for the golden Markdown test: values chosen so means and CIs are easy by hand. */
export function goldenRuns(): FixtureRun[] {
  const runs: FixtureRun[] = [];
  const add = (model: string, activation: string, top1s: (number | null)[]): void => {
    top1s.forEach((top1, i) =>
      runs.push({ sweep: 'golden', model, activation, seed: i + 1, top1, ...(top1 === null ? { status: 'diverged' as const, valLoss: null } : {}) }),
    );
  };
  add('resnet164', 'relu', [0.9, 0.91, 0.92]);
  add('resnet164', 'swish', [0.89, 0.9, 0.91]);
  add('resnet164', 'ash', [0.92, 0.93, 0.94]);
  add('resnet20', 'relu', [0.85]);
  add('resnet20', 'swish', [0.8, 0.82, null]);
  add('resnet20', 'ash', [0.84, 0.86, 0.88]);
  add('resnet20', 'mish', [0.83, 0.84, 0.85]);
  return runs;
}

/** One epoch of a schema-2 fixture: what the job process writes into history (metrics nested, extras beside). */
export interface FixtureEpoch {
  valLoss: number | null;
  top1?: number;
  seconds?: number;
  ash?: { layer: string; z: number; alpha: number }[];
}

/**
 * A result.json in schema 2, as the job process writes it today (task, primaryMetric, percent top1, per-epoch
 * metrics nested under `metrics`, env.peakRssMB), with the given epochs.
 */
export function makeResultV2(run: FixtureRun, epochs: readonly FixtureEpoch[], env: Record<string, unknown> = {}): Record<string, unknown> {
  const base = makeResult({ ...run, epochs: epochs.length });
  const last = epochs[epochs.length - 1];
  const top1 = 100 * (run.top1 ?? 0.9);
  return {
    ...base,
    schema: 2,
    task: 'classification',
    primaryMetric: 'top1',
    spec: { ...(base.spec as Record<string, unknown>), task: 'classification' },
    metrics: base.status === 'failed' ? { top1: null, top5: null, valLoss: null } : { top1, top5: 99, valLoss: last?.valLoss ?? null },
    history: epochs.map((e, i) => {
      const record: Record<string, unknown> = {
        epoch: i + 1,
        trainLoss: e.valLoss === null ? null : e.valLoss + 0.05,
        lr: 0.1,
        seconds: e.seconds ?? 12.5,
        metrics: { valLoss: e.valLoss, top1: e.top1 ?? top1, top5: 99 },
      };
      if (e.ash) record.ash = e.ash;
      return record;
    }),
    env: { ...(base.env as Record<string, unknown>), ...env },
  };
}

/** Writes <root>/<sweep>/<jobId>/result.json (schema 2) for each run with its epochs; returns root. */
export function writeResultsV2(root: string, runs: readonly { run: FixtureRun; epochs: FixtureEpoch[]; env?: Record<string, unknown> }[]): string {
  for (const { run, epochs, env } of runs) {
    const dir = join(root, run.sweep ?? 'smoke', jobIdOf(run));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'result.json'), `${JSON.stringify(makeResultV2(run, epochs, env), null, 2)}\n`);
  }
  return root;
}
