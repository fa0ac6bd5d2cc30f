import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown, renderSweepSummary, reportFromDir } from '../../src/report/index.js';
import { goldenRuns, tempDir, writeResults } from './fixtures.js';

// Hand-checked numbers (top1 recorded as fractions, shown x100):
//   ResNet-164 ReLU 90, 91, 92: mean 91, sd 1, CI = t(0.975, 2) * 1 / sqrt(3) = 4.3027 / 1.7321 = 2.48
//   resnet20 Swish 80, 82 (+1 diverged): sd sqrt(2), CI = t(0.975, 1) * sqrt(2) / sqrt(2) = 12.71
//   resnet20 ASH 84, 86, 88: sd 2, CI = 4.3027 * 2 / 1.7321 = 4.97; ReLU n = 1: no CI, shown as missing
//   Welch ASH (92, 93, 94) vs ReLU (90, 91, 92): t = 2 / sqrt(2/3) = 2.449, df = 4, p = 0.0705 (SciPy ttest_ind)
//   every fixture run's validation loss is 0.7, 0.5, 0.3: the first epoch within 5% of 0.3 is the last, 3
//   ASH's final z: 0.311, 0.321, 0.331 (stage 1, seeds 1-3) and -0.149 (stage 2): mean 0.516 / 6 = 0.086;
//   k = 1 - Phi(z): Phi(-0.086) = 0.466, Phi(-0.331) = 0.370, Phi(0.149) = 0.559; alpha 1.15 and 1.3: mean 1.225
//   compute time 19 jobs x 37.5 s = 712.5 s; elapsed from the first start (12:00:10) to the last finish (12:01:07.5)
const GOLDEN = `# ash-bench report: <root>

- Note: top1 was recorded as a fraction; shown in percent (x100) like the paper

## Sweep golden

19 runs (18 ok, 1 diverged, 0 failed); backend cpu; compute time 11 min 53 s; elapsed 57.5 s; commit 57829f8e0f1c

### CIFAR-10: top-1 accuracy (%) (sweep golden)

| Activation | ResNet-164 | resnet20 |
|---|---:|---:|
| ReLU | 91.00 ± 2.48 | 85.00 ± — (n=1) |
| Swish | 90.00 ± 2.48 | 81.00 ± 12.71 (n=2, 1 diverged) |
| ASH | **93.00 ± 2.48** | **86.00 ± 4.97** |
| Mish |  | 84.00 ± 2.48 |
| *ASH best?* | yes | yes |
| *Welch p, ASH vs best baseline* | p = 0.070 (ASH +2.00 vs ReLU) | — (needs >= 2 finished runs each) |

Cells: mean ± 95% CI, CI half-width t(0.975, n-1)·sd/√n over 3 runs unless marked; —: not available (one finished run has no CI); bold: highest mean of the column.

### Convergence epoch

| Activation | Model | Dataset | Convergence epoch | of epochs | runs |
|---|---:|---:|---:|---:|---:|
| ReLU | ResNet-164 | CIFAR-10 | 3.0 ± 0.0 | 3 | 3 |
| ReLU | resnet20 | CIFAR-10 | 3.0 ± — (n=1) | 3 | 1 |
| Swish | ResNet-164 | CIFAR-10 | 3.0 ± 0.0 | 3 | 3 |
| Swish | resnet20 | CIFAR-10 | 3.0 ± 0.0 | 3 | 2 |
| ASH | ResNet-164 | CIFAR-10 | 3.0 ± 0.0 | 3 | 3 |
| ASH | resnet20 | CIFAR-10 | 3.0 ± 0.0 | 3 | 3 |
| Mish | resnet20 | CIFAR-10 | 3.0 ± 0.0 | 3 | 3 |

Convergence epoch: the first epoch whose validation loss is within 5.0% of the run's final validation loss (|loss_e - loss_final| <= 0.05 · loss_final); mean ± 95% CI over the finished runs (seeds). The paper claims ASH shortens it; lower is sooner. Change the tolerance with --convergence-tolerance.

### ASH's learned threshold

| Model | Dataset | layers × runs | z mean [min, max] | k = 1 − Φ(z) at mean z [min, max] | α mean [min, max] | k at start |
|---|---:|---:|---:|---:|---:|---:|
| ResNet-164 | CIFAR-10 | 2 × 3 | +0.086 [-0.149, +0.331] | 46.6% [37.0%, 55.9%] | 1.225 [1.150, 1.300] | 50.0% |
| resnet20 | CIFAR-10 | 2 × 3 | +0.086 [-0.149, +0.331] | 46.6% [37.0%, 55.9%] | 1.225 [1.150, 1.300] | 50.0% |

Each ASH layer's z and α after the last epoch, over every layer of every finished run. k = 1 − Φ(z) is the fraction of activations the threshold keeps when the pre-activations are Gaussian (the paper's Proposition 1, Eq. 7); \`ash analyze ash\` measures the fraction kept on real test images.

### Training cost

| Activation | Model | Dataset | s / epoch | peak memory (MiB) | runs |
|---|---:|---:|---:|---:|---:|
| ReLU | ResNet-164 | CIFAR-10 | 12.5 ± 0.0 | not recorded | 3 |
| ReLU | resnet20 | CIFAR-10 | 12.5 ± — (n=1) | not recorded | 1 |
| Swish | ResNet-164 | CIFAR-10 | 12.5 ± 0.0 | not recorded | 3 |
| Swish | resnet20 | CIFAR-10 | 12.5 ± 0.0 | not recorded | 2 |
| ASH | ResNet-164 | CIFAR-10 | 12.5 ± 0.0 | not recorded | 3 |
| ASH | resnet20 | CIFAR-10 | 12.5 ± 0.0 | not recorded | 3 |
| Mish | resnet20 | CIFAR-10 | 12.5 ± 0.0 | not recorded | 3 |

s / epoch: each run's mean epoch time (training and evaluation), then mean ± 95% CI over runs. Peak memory: the job process's peak resident set size (env.peakRssMB, from getrusage), mean ± 95% CI over runs; runs from before it was recorded say 'not recorded'. Times compare activations only within one machine and backend.
`;

test('golden: Markdown table in the paper layout', () => {
  const dir = writeResults(tempDir(), goldenRuns());
  assert.equal(renderMarkdown(reportFromDir(dir)).replace(dir, '<root>'), GOLDEN);
});

test('renderSweepSummary prints the same table for one sweep directory', () => {
  const root = writeResults(tempDir(), goldenRuns());
  const text = renderSweepSummary(`${root}/golden`);
  assert.ok(text.includes('## Sweep golden'));
  assert.ok(text.includes('| ASH | **93.00 ± 2.48** | **86.00 ± 4.97** |'));
  assert.ok(!text.includes('# ash-bench report'));
});

test('renderSweepSummary of an empty directory says so instead of throwing', () => {
  const text = renderSweepSummary(tempDir());
  assert.match(text, /No results to summarize in .*no result\.json found/s);
});

test('lower is better for validation loss: the smallest mean is bold', () => {
  const dir = writeResults(tempDir(), [
    { activation: 'relu', seed: 1, valLoss: 0.5 },
    { activation: 'relu', seed: 2, valLoss: 0.7 },
    { activation: 'ash', seed: 1, valLoss: 0.9 },
    { activation: 'ash', seed: 2, valLoss: 1.1 },
  ]);
  const md = renderMarkdown(reportFromDir(dir, { metrics: ['valLoss'] }));
  assert.ok(md.includes('| ReLU | **0.6000 ± 1.2706** |'), md);
  assert.ok(md.includes('| ASH | 1.0000 ± 1.2706 |'), md);
  assert.ok(md.includes('| *ASH best?* | no (ReLU) |'), md);
  assert.ok(md.includes('bold: lowest mean'));
});
