import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVATION_CURVES, ash, erf } from '../../src/report/figures/activation-curves.js';
import { activationCurvesFigure, sweepFigures } from '../../src/report/figures/index.js';
import { ashParameterPoints, epochSummaries } from '../../src/report/figures/training-curves.js';
import { loadResults } from '../../src/report/load.js';
import { reportFromDir } from '../../src/report/index.js';
import { smokeRuns, tempDir, writeResults } from './fixtures.js';

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} != ${expected}`);
}

test('erf against SciPy 1.17.1 scipy.special.erf', () => {
  close(erf(0), 0);
  close(erf(0.5), 0.5204998778130465);
  close(erf(-1), -0.8427007929497149);
  close(erf(2), 0.9953222650189527);
  close(erf(2.8284271247461903), 0.9999366575163338); // x = 4 / sqrt(2), the plot's edge for GELU
  close(erf(3.5), 0.9999992569016276);
});

test('activation curves at hand-computed points', () => {
  const at = (label: string, x: number): number => ACTIVATION_CURVES.find((c) => c.label === label)!.f(x);
  close(at('ReLU', -1), 0);
  close(at('LReLU (0.01)', -2), -0.02);
  close(at('PReLU (init 0.25)', -2), -0.5);
  close(at('Softplus', 0), Math.LN2);
  close(at('ELU', -1), Math.exp(-1) - 1);
  close(at('SELU', -1), 1.0507009873554805 * 1.6732632423543772 * (Math.exp(-1) - 1));
  close(at('GELU', 1), 0.8413447460685429); // 1 * Phi(1), SciPy norm.cdf(1)
  close(at('Swish', 1), 1 / (1 + Math.exp(-1)));
  close(at('Mish', 1), Math.tanh(Math.log(1 + Math.E)));
  // ASH on a standard-normal input: x * sigmoid(2a(x - z)); at x = z it keeps exactly half of x.
  close(ash(1.96, 1.96), 0.98);
  close(at('ASH z=0 (k=50%)', 1), 1 / (1 + Math.exp(-2)));
  // With the input's mean and std: the threshold moves to m + z s.
  close(ash(3, 1, 1, 1, 2), 1.5);
});

test('validation-loss curve points: mean and 95% CI over seeds per epoch', () => {
  const root = writeResults(tempDir(), [
    { activation: 'relu', seed: 1, valLoss: 0.4, epochs: 2 },
    { activation: 'relu', seed: 2, valLoss: 0.6, epochs: 2 },
    { activation: 'relu', seed: 3, valLoss: null, status: 'diverged', epochs: 2 },
  ]);
  const points = epochSummaries(loadResults(root).results, 'valLoss');
  // Fixture history: valLoss at epoch 1 = final + 0.2 -> 0.6 and 0.8; the diverged run is not drawn.
  const first = points.find((p) => p.epoch === 1)!;
  assert.equal(first.n, 2);
  close(first.mean, 0.7);
  // Two runs: a t-interval of 12.7 sd would fill the plot, so no band is drawn.
  assert.equal(first.lo, null);
  assert.equal(first.hi, null);
  assert.equal(points.length, 2);
});

test('loss CI bands: drawn from 3 runs, clipped at 0', () => {
  const root = writeResults(tempDir(), [
    { activation: 'relu', seed: 1, valLoss: 0.01, epochs: 1 },
    { activation: 'relu', seed: 2, valLoss: 0.02, epochs: 1 },
    { activation: 'relu', seed: 3, valLoss: 0.6, epochs: 1 },
  ]);
  const [point] = epochSummaries(loadResults(root).results, 'valLoss');
  // mean 0.21, sd = sqrt(((0.2)^2 + (0.19)^2 + (0.39)^2) / 2) = 0.33779; CI = 4.3027 x 0.33779 / sqrt(3) = 0.83913.
  close(point!.mean, 0.21, 1e-12);
  close(point!.hi!, 0.21 + 4.302652729749464 * Math.sqrt((0.2 ** 2 + 0.19 ** 2 + 0.39 ** 2) / 2) / Math.sqrt(3), 1e-9);
  // 0.21 - 0.839 < 0: a loss cannot be negative.
  assert.equal(point!.lo, 0);
});

test('figures tell activations apart by colour-blind-safe colour and by dash: ASH and Swish differ in both', async () => {
  const report = reportFromDir(writeResults(tempDir(), smokeRuns()));
  const [loss] = await sweepFigures(report.sweeps[0]!);
  // The lines of the loss plot: one <path> per activation with its stroke colour and dash pattern.
  const lines = [...loss!.svg.matchAll(/<path [^>]*aria-label="[^"]*activation: ([^";]+)[^"]*"[^>]*>/g)];
  const styleOf = (label: string) => {
    const tags = lines.filter((m) => m[1] === label).map((m) => m[0]);
    const line = tags.find((t) => /stroke-dasharray/.test(t));
    assert.ok(line, `a dashed line mark for ${label}`);
    return { stroke: /stroke="(#[0-9A-Fa-f]{6})"/.exec(line)![1]!.toUpperCase(), dash: /stroke-dasharray="([^"]+)"/.exec(line)![1]! };
  };
  const ash = styleOf('ASH');
  const swish = styleOf('Swish');
  const okabeIto = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#F0E442', '#000000'];
  assert.ok(okabeIto.includes(ash.stroke) && okabeIto.includes(swish.stroke), `${ash.stroke} ${swish.stroke}`);
  assert.notEqual(ash.stroke, swish.stroke);
  assert.notEqual(ash.dash, swish.dash);
  // Three seeds per activation: the bands are there, none below 0.
  assert.ok(loss!.svg.includes('band: 95% CI (clipped at 0; drawn from 3 runs)'));
});

test('ASH z and alpha per layer and epoch, averaged over seeds', () => {
  const root = writeResults(tempDir(), smokeRuns());
  const points = ashParameterPoints(loadResults(root).results);
  // Fixture: z = 0.001 + 0.1 epoch + 0.01 seed on stage1, seeds 1..3 -> mean 0.001 + 0.1 epoch + 0.02.
  const z2 = points.find((p) => p.layer === 'stage1/ash_1' && p.epoch === 2 && p.parameter === 'z')!;
  close(z2.value, 0.221);
  const a3 = points.find((p) => p.layer === 'stage2/ash_2' && p.epoch === 3 && p.parameter === 'alpha')!;
  close(a3.value, 1.3);
  assert.ok(points.every((p) => p.activation === 'ASH'));
});

test('figures render to SVG headless: Fig. 3, ASH parameters, activation functions', async () => {
  const report = reportFromDir(writeResults(tempDir(), smokeRuns()));
  const figures = await sweepFigures(report.sweeps[0]!);
  assert.deepEqual(figures.map((f) => f.name), ['smoke-resnet20-cifar10-valloss.svg', 'smoke-resnet20-cifar10-ASH-params.svg']);
  const [loss, params] = figures;
  assert.match(loss!.svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(loss!.svg.includes('Validation loss: resnet20 on CIFAR-10 (sweep smoke)'));
  assert.ok(loss!.svg.includes('2 diverged/failed run(s) not drawn'));
  for (const label of ['ReLU', 'Swish', 'ASH', 'Mish']) assert.ok(loss!.svg.includes(`>${label}<`), label);
  assert.ok(params!.svg.includes('threshold z') && params!.svg.includes('sharpness alpha'));
  assert.ok(params!.svg.includes('stage2/ash_2'));
  const curves = await activationCurvesFigure();
  assert.ok(curves.svg.includes('ASH z=1.96 (k=2.5%)') && curves.svg.includes('GELU'));
  assert.ok((curves.svg.match(/<path/g) ?? []).length >= ACTIVATION_CURVES.length);
});
