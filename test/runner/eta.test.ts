// The ETA of a running sweep (src/runner/eta.ts and SweepTracker.etaSeconds): each remaining job estimated from
// finished jobs of its kind, then all jobs, then the bench figures, and laid out on the slots. Hand numbers.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { costKey, JobTimeEstimator, makespan, type CostedJob } from '../../src/runner/eta.js';
import { SweepTracker } from '../../src/runner/progress.js';
import type { JobResult } from '../../src/runner/result.js';
import type { PlannedJob } from '../../src/runner/plan.js';
import { benchJobSeconds } from '../../src/runner/estimate.js';
import { planFor, tempDir } from './helpers.js';

const spec = (model: string, more: Partial<CostedJob> = {}): CostedJob => ({
  task: 'classification',
  model,
  dataset: 'cifar10',
  backend: 'wasm',
  train: { epochs: 2, batchSize: 128 },
  data: {},
  ...more,
});

test('estimator: jobs of the same kind first, then the mean of all jobs, then the bench figures', () => {
  const bench = (s: CostedJob) => (s.model === 'densenet40-12' ? 500 : undefined);
  const estimator = new JobTimeEstimator(bench);
  assert.equal(estimator.estimate(spec('resnet20')), undefined, 'no timing and no bench figure');
  assert.deepEqual(estimator.estimate(spec('densenet40-12')), { seconds: 500, from: 'bench' });
  estimator.addFinished(spec('resnet20'), 33);
  estimator.addFinished(spec('resnet20'), 35);
  estimator.addFinished(spec('wrn16-4'), 130);
  // resnet20: (33 + 35) / 2 = 34; wrn16-4: 130; densenet (none finished): (33 + 35 + 130) / 3 = 66, the bench no longer asked.
  assert.deepEqual(estimator.estimate(spec('resnet20')), { seconds: 34, from: 'same kind' });
  assert.deepEqual(estimator.estimate(spec('wrn16-4')), { seconds: 130, from: 'same kind' });
  assert.deepEqual(estimator.estimate(spec('densenet40-12')), { seconds: 66, from: 'all jobs' });
  // Another dataset, task, backend or amount of training is another kind, even for the same model.
  for (const other of [{ dataset: 'cifar100' }, { task: 'segmentation' }, { backend: 'cpu' }, { train: { epochs: 4, batchSize: 128 } }, { data: { trainLimit: 1000 } }]) {
    assert.notEqual(costKey(spec('resnet20', other)), costKey(spec('resnet20')), JSON.stringify(other));
    assert.deepEqual(estimator.estimate(spec('resnet20', other)), { seconds: 66, from: 'all jobs' }, JSON.stringify(other));
  }
  // The activation and seed are not part of the kind (CostedJob does not even read them).
  assert.equal(costKey({ ...spec('resnet20'), activation: { name: 'ash' }, seed: 3 } as CostedJob), costKey(spec('resnet20')));
});

test('estimator: a running job\'s projection counts only where no job of that level has finished', () => {
  const estimator = new JobTimeEstimator();
  estimator.addProjected(spec('wrn16-4'), 120);
  estimator.addProjected(spec('wrn16-4'), 140);
  // Nothing finished: wrn16-4 from its projections (120 + 140) / 2 = 130, and so is every other kind.
  assert.deepEqual(estimator.estimate(spec('wrn16-4')), { seconds: 130, from: 'same kind' });
  assert.deepEqual(estimator.estimate(spec('resnet20')), { seconds: 130, from: 'all jobs' });
  estimator.addFinished(spec('resnet20'), 30);
  // A finished job outweighs projections at its level: the overall mean is now the finished jobs' 30.
  assert.deepEqual(estimator.estimate(spec('wrn16-4')), { seconds: 130, from: 'same kind' });
  assert.deepEqual(estimator.estimate(spec('densenet40-12')), { seconds: 30, from: 'all jobs' });
  estimator.addFinished(spec('wrn16-4'), 100);
  assert.deepEqual(estimator.estimate(spec('wrn16-4')), { seconds: 100, from: 'same kind' });
});

test('makespan: running jobs hold their slots, pending jobs go in order to the slot free soonest', () => {
  // Slots free after [10, 0]; 5 -> [10, 5]; 5 -> [10, 10]; 5 -> [15, 10]: 15 (work / slots would say 12.5).
  assert.equal(makespan([10, 0], [5, 5, 5], 2), 15);
  // A long pending job behind short ones: [0, 0, 0] -> 30 on one slot, 2 and 2 on the others: 30.
  assert.equal(makespan([], [30, 2, 2], 3), 30);
  // A job past its estimate (-2 s left) frees its slot now, not 2 s ago: [4, 0] -> 3 -> [4, 3] -> 3 -> [4, 6]: 6.
  assert.equal(makespan([4, -2], [3, 3], 2), 6);
  // One slot: everything in a row, 4 + 3 + 3 = 10.
  assert.equal(makespan([4], [3, 3], 1), 10);
  assert.equal(makespan([], [], 2), 0);
});

function result(job: PlannedJob): JobResult {
  return {
    schema: 2,
    jobId: job.id,
    task: 'classification',
    primaryMetric: 'top1',
    status: 'ok',
    spec: job.spec,
    metrics: { top1: 50, top5: 90, valLoss: 1 },
    history: [],
    env: {},
    startedAt: '',
    finishedAt: '',
  };
}

test('sweep ETA: a sweep mixing resnet20 (33 s a job) and wrn16-4 (130 s) counts each remaining job at its model\'s time', () => {
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const dir = tempDir();
    const file = join(dir, 'mixed.yaml');
    const activations = ['a', 'b', 'c', 'd', 'e'].map((label, i) => `{ name: lrelu, slope: ${(i + 1) / 100}, label: ${label} }`).join(', ');
    writeFileSync(file, `name: mixed\nbackend: wasm\ngrid: { activation: [${activations}], model: [resnet20, wrn16-4], dataset: [cifar10] }\nseeds: [1]\ntrain: { epochs: 1 }\n`);
    const plan = planFor(file, dir);
    const resnets = plan.jobs.filter((j) => j.spec.model === 'resnet20');
    const wrns = plan.jobs.filter((j) => j.spec.model === 'wrn16-4');
    assert.equal(resnets.length, 5);
    assert.equal(wrns.length, 5);
    const tracker = new SweepTracker(plan, 1);
    const run = (job: PlannedJob, seconds: number) => {
      tracker.update({ type: 'start', job, slot: 0, attempt: 1 });
      mock.timers.tick(seconds * 1000);
      tracker.update({ type: 'end', job, result: result(job) });
    };
    for (const job of resnets.slice(0, 4)) run(job, 33);
    run(wrns[0]!, 130);
    // Left: 1 resnet20 at 33 s and 4 wrn16-4 at 130 s on one slot: 33 + 4 * 130 = 553 s. One mean over the five
    // finished jobs, (4 * 33 + 130) / 5 = 52.4 s, would have said 5 * 52.4 = 262 s.
    assert.equal(tracker.etaSeconds(), 553);
    // wrn16-4 job 2 running for 100 s: it has 30 s left; the rest as before, 33 + 3 * 130 = 423; 453 s.
    tracker.update({ type: 'start', job: wrns[1]!, slot: 0, attempt: 1 });
    mock.timers.tick(100_000);
    assert.equal(tracker.etaSeconds(), 30 + 33 + 3 * 130);
  } finally {
    mock.timers.reset();
  }
});

test('sweep ETA: with no timing at all, the bench figures stand in (once the timings count as settled)', () => {
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const dir = tempDir();
    const file = join(dir, 'one.yaml');
    writeFileSync(file, `name: one\nbackend: wasm\ngrid: { activation: [relu], model: [resnet20], dataset: [cifar10] }\nseeds: [1, 2]\ntrain: { epochs: 1 }\n`);
    const plan = planFor(file, dir);
    // Two jobs, each 40 s by the bench; both started with 60 steps reported but no fraction done (steps unknown, 0).
    const tracker = new SweepTracker(plan, 2, () => 40);
    for (const job of plan.jobs) tracker.update({ type: 'start', job, slot: 0, attempt: 1 });
    mock.timers.tick(10_000);
    tracker.update({ type: 'message', job: plan.jobs[0]!, message: { type: 'step', epoch: 1, step: 60, steps: 0, loss: 1 } });
    assert.ok(tracker.settled);
    // Each has 40 - 10 = 30 s left, side by side on 2 slots: 30 s.
    assert.equal(tracker.etaSeconds(), 30);
  } finally {
    mock.timers.reset();
  }
});

test('the bench stand-in is the dry run\'s per-job figure', () => {
  // resnet20 on CIFAR-10 with the native kernels: 1000 / 311 ms per training image. 2 epochs of 1280 images at batch
  // 128 = 2560 images: 8231.5 ms; evaluation 2 x 300 images at a third of that: 643.1 ms; start-up 1200 ms.
  // (1200 + 8231.5 + 643.1) / 1000 = 10.0746 s.
  const seconds = benchJobSeconds('wasm+native')!(spec('resnet20', { data: { trainLimit: 1280, testLimit: 300 } }))!;
  assert.ok(Math.abs(seconds - 10.0746) < 1e-4, String(seconds));
  assert.equal(benchJobSeconds(undefined), undefined, 'no bench figures off WASM');
});
