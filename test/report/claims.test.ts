import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergenceEpoch, initialK, runPeakRssMB } from '../../src/report/claims.js';
import { renderHtml, renderMarkdown, reportFromDir } from '../../src/report/index.js';
import { tempDir, writeResultsV2, type FixtureEpoch, type FixtureRun } from './fixtures.js';
import { upgradeEpochRecord } from '../../src/contract/result.js';
import type { EpochRecord } from '../../src/contract/result.js';

const epochsOf = (losses: (number | null)[]): EpochRecord[] =>
  losses.map((valLoss, i) => upgradeEpochRecord({ epoch: i + 1, trainLoss: 1, lr: 0.1, seconds: 1, valLoss, top1: 50 }) as EpochRecord);

test('convergence epoch: the first epoch within the tolerance of the final validation loss', () => {
  // final 0.5; 5% of it is 0.025: epoch 3 (0.52, off by 0.02) is the first within; at 1% only epoch 4 (0.5) is.
  assert.equal(convergenceEpoch(epochsOf([1, 0.6, 0.52, 0.5])), 3);
  assert.equal(convergenceEpoch(epochsOf([1, 0.6, 0.52, 0.5]), 0.01), 4);
  // Within from below too, and the first such epoch even when the loss leaves and comes back.
  assert.equal(convergenceEpoch(epochsOf([0.49, 0.9, 0.5])), 1);
  assert.equal(convergenceEpoch(epochsOf([1, null, 0.5])), 3);
  // Nothing to converge to without a final validation loss.
  assert.equal(convergenceEpoch(epochsOf([1, 0.5, null])), null);
  assert.equal(convergenceEpoch([]), null);
  assert.throws(() => convergenceEpoch(epochsOf([1]), -0.1), RangeError);
});

const curve = (losses: number[], extra: Partial<FixtureEpoch> = {}, seconds?: number[]): FixtureEpoch[] =>
  losses.map((valLoss, i) => ({ valLoss, ...extra, ...(seconds ? { seconds: seconds[i]! } : {}) }));

/** ReLU, Swish and ASH on resnet20 / Fashion-MNIST, 3 seeds each, with hand-checkable curves and costs. */
function writeSweep(): string {
  const root = tempDir();
  const run = (activation: string, seed: number, top1: number): FixtureRun => ({ sweep: 'claims', activation, model: 'resnet20', dataset: 'fashion-mnist', seed, top1 });
  const ashZ = [
    [0, 1],
    [0.5, -0.5],
    [0.2, 0.1],
  ];
  return writeResultsV2(root, [
    // ReLU converges at epochs 3, 2, 4 (5% of 0.5 = 0.025); only seed 1 recorded its memory (older runs did not).
    { run: run('relu', 1, 0.94), epochs: curve([1, 0.6, 0.52, 0.5], {}, [10, 10, 10, 10]), env: { peakRssMB: 200 } },
    { run: run('relu', 2, 0.941), epochs: curve([1, 0.5, 0.5, 0.5], { seconds: 10 }) },
    { run: run('relu', 3, 0.942), epochs: curve([1, 0.8, 0.7, 0.5], { seconds: 10 }) },
    { run: run('swish', 1, 0.948), epochs: curve([1, 0.6, 0.5, 0.5], { seconds: 12 }) },
    { run: run('swish', 2, 0.95), epochs: curve([1, 0.6, 0.5, 0.5], { seconds: 12 }) },
    { run: run('swish', 3, 0.952), epochs: curve([1, 0.6, 0.5, 0.5], { seconds: 12 }) },
    // ASH converges at epoch 2 in every seed; its mean epoch times are 15, 16, 17 s; peak memory 300, 310, 320 MiB.
    ...[1, 2, 3].map((seed) => ({
      run: run('ash', seed, [0.95, 0.952, 0.954][seed - 1]!),
      epochs: curve([1, 0.5, 0.5, 0.5], {}, seed === 1 ? [14, 16, 15, 15] : [seed + 14, seed + 14, seed + 14, seed + 14]).map((e, i, all) => ({
        ...e,
        // Earlier epochs carry other values: only the final epoch's z counts.
        ash: ashZ[seed - 1]!.map((z, l) => ({ layer: `ash_${l + 1}`, z: i === all.length - 1 ? z : 9, alpha: i === all.length - 1 ? 2 : 7 })),
      })),
      env: { peakRssMB: 290 + 10 * seed },
    })),
  ]);
}

test('convergence, ASH parameters and cost tables: means and t intervals over seeds, by hand', () => {
  const md = renderMarkdown(reportFromDir(writeSweep()));
  // ReLU: epochs 3, 2, 4 -> mean 3, sd 1, CI t(0.975, 2) * 1 / sqrt(3) = 4.3027 * 0.57735 = 2.484.
  assert.match(md, /\| ReLU \| resnet20 \| Fashion-MNIST \| 3\.0 ± 2\.5 \| 4 \| 3 \|/);
  assert.match(md, /\| ASH \| resnet20 \| Fashion-MNIST \| 2\.0 ± 0\.0 \| 4 \| 3 \|/);
  assert.match(md, /within 5\.0% of the run's final validation loss/);
  // z over 2 layers x 3 runs: 0, 1, 0.5, -0.5, 0.2, 0.1 -> mean 0.2167, min -0.5, max 1.
  // k = 1 - Phi(z): Phi(-0.2167) = 0.4142, Phi(-1) = 0.1587, Phi(0.5) = 0.6915. The fixture starts from k = 0.5.
  assert.match(md, /\| resnet20 \| Fashion-MNIST \| 2 × 3 \| \+0\.217 \[-0\.500, \+1\.000\] \| 41\.4% \[15\.9%, 69\.1%\] \| 2\.000 \[2\.000, 2\.000\] \| 50\.0% \|/);
  // s / epoch: ReLU 10 each (sd 0); ASH run means 15, 16, 17 -> 16 ± 2.484. Memory: ReLU only seed 1 (200, no CI);
  // ASH env.peakRssMB 300, 310, 320 -> 310 ± 4.3027 * 10 / sqrt(3) = 24.84; Swish none recorded.
  assert.match(md, /\| ReLU \| resnet20 \| Fashion-MNIST \| 10\.0 ± 0\.0 \| 200 ± — \(n=1\) \| 3 \|/);
  assert.match(md, /\| ASH \| resnet20 \| Fashion-MNIST \| 16\.0 ± 2\.5 \| 310 ± 25 \| 3 \|/);
  // Rows follow the paper's activation order.
  const cost = md.slice(md.indexOf('### Training cost'));
  assert.ok(cost.indexOf('| ReLU |') < cost.indexOf('| Swish |') && cost.indexOf('| Swish |') < cost.indexOf('| ASH |'));
});

test('the convergence tolerance is an option', () => {
  // At 25%, ReLU seed 3 (1, 0.8, 0.7, 0.5) still converges at epoch 4 (0.7 is 40% off), seeds 1 and 2 at epoch 2.
  const md = renderMarkdown(reportFromDir(writeSweep(), { convergenceTolerance: 0.25 }));
  // (2 + 2 + 4) / 3 = 2.667, sd 1.1547, CI 4.3027 * 1.1547 / sqrt(3) = 2.868.
  assert.match(md, /\| ReLU \| resnet20 \| Fashion-MNIST \| 2\.7 ± 2\.9 \| 4 \| 3 \|/);
  assert.match(md, /within 25\.0%/);
});

test('power under a paper table: seeds the paper gap needs at the measured spread', () => {
  const dir = writeSweep();
  // Fashion-MNIST is not Table 2's dataset: compared only on request.
  const plain = renderMarkdown(reportFromDir(dir, { paper: 'table2-cifar10', paperModel: 'resnet20=resnet164' }));
  assert.doesNotMatch(plain, /Statistical power/);
  assert.match(plain, /not compared/);
  const report = reportFromDir(dir, { paper: 'table2-cifar10', paperModel: 'resnet20=resnet164', paperDataset: 'fashion-mnist' });
  const power = report.sweeps[0]!.tables[0]!.power!;
  assert.equal(power.length, 1);
  // Table 2, ResNet-164: ASH 95.7, best baseline Swish 95.5 -> gap 0.2. Ours: ASH 95.0/95.2/95.4 and Swish
  // 94.8/95.0/95.2, both sd 0.2: Cohen's d = 1, which needs 17 per group at power 0.8 (Cohen 1988, Table 2.4.1;
  // R pwr.t.test(d = 1, power = 0.8) gives n = 16.71); with 3 each, power = 0.159 (pwr.t.test(n = 3, d = 1)).
  assert.equal(power[0]!.baseline, 'Swish');
  assert.ok(Math.abs(power[0]!.paperGap - 0.2) < 1e-9);
  assert.ok(Math.abs(power[0]!.ash.sd! - 0.2) < 1e-9 && Math.abs(power[0]!.best.sd! - 0.2) < 1e-9);
  assert.equal(power[0]!.seedsNeeded, 17);
  assert.ok(Math.abs(power[0]!.presentPower! - 0.159) < 0.002, String(power[0]!.presentPower));
  const md = renderMarkdown(report);
  assert.match(md, /Fashion-MNIST stands in for CIFAR-10 \(--paper-dataset\)/);
  assert.match(md, /Statistical power \(two-sided Welch test, α = 0\.05, target power 0\.8/);
  assert.match(md, /- resnet20 \(paper ResNet-164\): the paper puts ASH \+0\.20 vs Swish; .*17 seeds per activation detect it with power 0\.8; this sweep's power: 0\.16 \(could not have detected it\)\./);
  const html = renderHtml(report, { sweeps: new Map(), shared: [] });
  assert.match(html, /<div class="power" data-metric="top1">/);
  assert.match(html, /<table class="results convergence" data-sweep="claims" data-table="convergence">/);
  assert.match(html, /<table class="results ash-parameters"[^]*41\.4% \[15\.9%, 69\.1%\]/);
  assert.match(html, /<th scope="row">ASH<\/th><td>resnet20<\/td><td>Fashion-MNIST<\/td><td>16\.0 ± 2\.5<\/td><td>310 ± 25<\/td>/);
});

test('peak memory: env.peakRssMB when it is a number, else none', () => {
  const result = (env: Record<string, unknown>) => ({ env, history: [] }) as never;
  assert.equal(runPeakRssMB(result({ peakRssMB: 512.5 })), 512.5);
  assert.equal(runPeakRssMB(result({})), null);
  assert.equal(runPeakRssMB(result({ peakRssMB: 'lots' })), null);
});

test("the k an ASH run started from: its k, else its z's, else the registry's z = 0", () => {
  assert.equal(initialK({ name: 'ash', k: 0.3 }), 0.3);
  // 1 - Phi(1.959964) = 0.025
  assert.ok(Math.abs(initialK({ name: 'ash', z: 1.959963984540054 }) - 0.025) < 1e-12);
  assert.equal(initialK({ name: 'ash', alpha: 1 }), 0.5);
});
