import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScheduleSchema, overrideSchedule, type Schedule } from '../../src/contract/schedule.js';
import { scheduledLearningRate } from '../../src/tasks/schedules.js';

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
}

const parse = (input: unknown): Schedule => ScheduleSchema.parse(input);

/** The schedule the training loop used before this module (src/tasks/schedule.ts at commit 1c60773), verbatim. */
function originalCosine(base: number, step: number, totalSteps: number): number {
  if (totalSteps <= 1) return base;
  return 0.5 * base * (1 + Math.cos((Math.PI * step) / totalSteps));
}

test('cosine is bit-identical to the original schedule.ts at every step of a run', () => {
  for (const total of [1, 2, 391, 78200]) {
    const run = { totalSteps: total, stepsPerEpoch: 391 };
    for (const step of [0, 1, Math.floor(total / 3), Math.floor(total / 2), total - 1]) {
      assert.equal(scheduledLearningRate('cosine', 0.1, step, run), originalCosine(0.1, step, total), `cosine step ${step}/${total}`);
      assert.equal(scheduledLearningRate(parse({ name: 'cosine' }), 0.1, step, run), originalCosine(0.1, step, total));
    }
  }
  // 0.5 * 0.1 * (1 + cos(pi/2)) = 0.05 (cos(pi/2) = 6.1e-17 in float64, hence close, not equal).
  close(scheduledLearningRate('cosine', 0.1, 50, { totalSteps: 100, stepsPerEpoch: 10 }), 0.05, 'cosine half-way');
  assert.equal(scheduledLearningRate('constant', 0.1, 77, { totalSteps: 100, stepsPerEpoch: 10 }), 0.1);
});

test('bare names and warm-up-free objects normalise to the old strings (job ids unchanged)', () => {
  assert.equal(parse('cosine'), 'cosine');
  assert.equal(parse({ name: 'constant' }), 'constant');
  assert.deepEqual(parse({ name: 'cosine', warmup: { kind: 'linear', startFactor: 0.1, epochs: 5 } }), {
    name: 'cosine',
    warmup: { kind: 'linear', startFactor: 0.1, epochs: 5 },
  });
});

test('multistep in epochs: WRN-28-10, x0.2 at epochs 60/120/160', () => {
  // 391 steps per epoch (50000 / 128 rounded up). Milestone epoch 60 starts at step 60 * 391 = 23460.
  const s = parse({ name: 'multistep', milestones: [60, 120, 160], unit: 'epoch', gamma: 0.2 });
  const run = { totalSteps: 391 * 200, stepsPerEpoch: 391 };
  close(scheduledLearningRate(s, 0.1, 0, run), 0.1, 'start');
  close(scheduledLearningRate(s, 0.1, 23459, run), 0.1, 'last step of epoch 60 (1-based)'); // 0.1
  close(scheduledLearningRate(s, 0.1, 23460, run), 0.02, 'first step of epoch 61'); // 0.1 * 0.2
  close(scheduledLearningRate(s, 0.1, 46919, run), 0.02, 'before 120'); // 120 * 391 = 46920
  close(scheduledLearningRate(s, 0.1, 46920, run), 0.004, 'at 120'); // 0.1 * 0.2^2
  close(scheduledLearningRate(s, 0.1, 62559, run), 0.004, 'before 160'); // 160 * 391 = 62560
  close(scheduledLearningRate(s, 0.1, 62560, run), 0.0008, 'at 160'); // 0.1 * 0.2^3
  close(scheduledLearningRate(s, 0.1, 78199, run), 0.0008, 'last step');
});

test('multistep in iterations with a fixed-lr warm-up: ResNet-164 (He et al. 2016)', () => {
  // 0.01 for the first 400 iterations, then 0.1, /10 at 32k and 48k iterations counted from step 0.
  const s = parse({ name: 'multistep', milestones: [32000, 48000], unit: 'iteration', gamma: 0.1, warmup: { kind: 'constant', lr: 0.01, iterations: 400 } });
  const run = { totalSteps: 64000, stepsPerEpoch: 391 };
  close(scheduledLearningRate(s, 0.1, 0, run), 0.01, 'warm-up start');
  close(scheduledLearningRate(s, 0.1, 399, run), 0.01, 'last warm-up step');
  close(scheduledLearningRate(s, 0.1, 400, run), 0.1, 'back to 0.1');
  close(scheduledLearningRate(s, 0.1, 31999, run), 0.1, 'before 32k');
  close(scheduledLearningRate(s, 0.1, 32000, run), 0.01, 'at 32k'); // 0.1 * 0.1
  close(scheduledLearningRate(s, 0.1, 47999, run), 0.01, 'before 48k');
  close(scheduledLearningRate(s, 0.1, 48000, run), 0.001, 'at 48k'); // 0.1 * 0.1^2 = 0.0010000000000000002
});

test('linear warm-up (mmcv rule) multiplies the cosine rate, lengths in epochs', () => {
  // startFactor 0.1 over 2 epochs of 10 steps = 20 steps; run of 100 steps, base 0.4.
  const s = parse({ name: 'cosine', warmup: { kind: 'linear', startFactor: 0.1, epochs: 2 } });
  const run = { totalSteps: 100, stepsPerEpoch: 10 };
  const cos = (step: number) => 0.5 * 0.4 * (1 + Math.cos((Math.PI * step) / 100));
  // step 0: cos(0) = 1 -> 0.4; factor 1 - (1 - 0) * 0.9 = 0.1 -> 0.04
  close(scheduledLearningRate(s, 0.4, 0, run), 0.04, 'first step');
  // step 10: factor 1 - (1 - 0.5) * 0.9 = 0.55; cosine 0.2 * (1 + cos(0.1 pi)) = 0.2 * 1.9510565162951536 = 0.3902113032590307
  close(scheduledLearningRate(s, 0.4, 10, run), 0.55 * 0.3902113032590307, 'half-way through warm-up');
  close(scheduledLearningRate(s, 0.4, 19, run), cos(19) * (1 - (1 / 20) * 0.9), 'last warm-up step'); // factor 0.955
  close(scheduledLearningRate(s, 0.4, 20, run), cos(20), 'warm-up over: the plain cosine rate');
  // constant factor warm-up: 0.25 * cos rate for 3 iterations
  const c = parse({ name: 'cosine', warmup: { kind: 'constant', factor: 0.25, iterations: 3 } });
  close(scheduledLearningRate(c, 0.4, 2, run), 0.25 * cos(2), 'constant factor');
  close(scheduledLearningRate(c, 0.4, 3, run), cos(3), 'after');
});

test('poly: DeepLab (1 - step/total)^0.9, with and without a floor', () => {
  const s = parse({ name: 'poly' });
  const run = { totalSteps: 1000, stepsPerEpoch: 100 };
  close(scheduledLearningRate(s, 0.01, 0, run), 0.01, 'start');
  // (1 - 500/1000)^0.9 = 0.5^0.9 = exp(0.9 * ln 0.5) = exp(-0.6238324625039508) = 0.5358867312681466
  close(scheduledLearningRate(s, 0.01, 500, run), 0.01 * 0.5358867312681466, 'half-way');
  // (1 - 999/1000)^0.9 = 0.001^0.9 = 10^-2.7 = 0.001995262314968879
  close(scheduledLearningRate(s, 0.01, 999, run), 0.01 * 0.001995262314968879, 'last step');
  // mmseg eta_min: (0.01 - 1e-4) * 0.5^0.9 + 1e-4
  const floor = parse({ name: 'poly', power: 0.9, minLr: 1e-4 });
  close(scheduledLearningRate(floor, 0.01, 500, run), 0.0099 * 0.5358867312681466 + 1e-4, 'with floor');
});

test('schema rejects what the schedules cannot mean', () => {
  const bad: unknown[] = [
    'step',
    { name: 'multistep', milestones: [120, 60], unit: 'epoch', gamma: 0.2 },
    { name: 'multistep', milestones: [60], unit: 'epoch', gamma: 2 },
    { name: 'multistep', milestones: [60], gamma: 0.1 },
    { name: 'cosine', warmup: { kind: 'linear', startFactor: 0.1 } },
    { name: 'cosine', warmup: { kind: 'linear', startFactor: 0.1, epochs: 1, iterations: 10 } },
    { name: 'cosine', warmup: { kind: 'constant', iterations: 10 } },
    { name: 'cosine', warmup: { kind: 'constant', lr: 0.01, factor: 0.1, iterations: 10 } },
    { name: 'poly', power: 0.9, typo: 1 },
  ];
  for (const input of bad) assert.equal(ScheduleSchema.safeParse(input).success, false, JSON.stringify(input));
});

test('overrideSchedule: another name replaces, the same name merges, null removes', () => {
  const multistep = { name: 'multistep', unit: 'epoch', milestones: [60, 120, 160], gamma: 0.2 };
  assert.deepEqual(overrideSchedule(multistep, 'cosine'), 'cosine');
  assert.deepEqual(overrideSchedule(multistep, { name: 'poly' }), { name: 'poly' });
  assert.deepEqual(overrideSchedule(multistep, { milestones: [150, 225], gamma: 0.1 }), { name: 'multistep', unit: 'epoch', milestones: [150, 225], gamma: 0.1 });
  const warm = { name: 'cosine', warmup: { kind: 'linear', startFactor: 0.1, epochs: 5 } };
  assert.deepEqual(overrideSchedule(warm, { warmup: null }), { name: 'cosine' });
  assert.deepEqual(overrideSchedule('cosine', { warmup: { kind: 'constant', lr: 0.01, iterations: 400 } }), { name: 'cosine', warmup: { kind: 'constant', lr: 0.01, iterations: 400 } });
  // and the result parses back to the canonical bare name when nothing but the name is left
  assert.equal(ScheduleSchema.parse(overrideSchedule(warm, { warmup: null })), 'cosine');
});
