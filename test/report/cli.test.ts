import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { renderReport, reportFromDir } from '../../src/report/index.js';
import { smokeRuns, tempDir, writeResults } from './fixtures.js';

function ash(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const JSON_KEYS = ['sweep', 'activation', 'model', 'dataset', 'metric', 'n', 'mean', 'sd', 'ci95', 'min', 'max', 'diverged', 'failed'];

// A CLI spawn costs seconds (tsx plus every command's imports), so the CLI runs once; the rest is tested in-process.
test('--format json: one row per cell with the documented keys', async () => {
  const root = writeResults(tempDir(), smokeRuns());
  const rows = JSON.parse(await renderReport(reportFromDir(root, { metrics: ['top1', 'valLoss'] }), 'json')) as Record<string, unknown>[];
  assert.equal(rows.length, 20);
  assert.deepEqual(Object.keys(rows[0]!), JSON_KEYS);
  assert.deepEqual(rows.filter((row) => row.metric === 'top1').map((row) => row.activation), [
    'ReLU', 'LReLU', 'PReLU', 'Softplus', 'ELU', 'SELU', 'GELU', 'Swish', 'ASH', 'Mish',
  ]);
  const selu = rows.find((row) => row.activation === 'SELU' && row.metric === 'top1')!;
  assert.deepEqual([selu.n, selu.diverged, selu.failed], [2, 1, 0]);
  const elu = rows.find((row) => row.activation === 'ELU' && row.metric === 'valLoss')!;
  assert.deepEqual([elu.n, elu.diverged, elu.failed], [2, 0, 1]);
});

test('ash report --out writes every format and the figures', () => {
  const root = writeResults(tempDir(), smokeRuns());
  const out = join(tempDir(), 'out');
  const r = ash('report', root, '--out', out, '--paper', 'table2-cifar10', '--paper-model', 'resnet164');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['figures', 'report.csv', 'report.html', 'report.json', 'report.md', 'report.tex', 'runs.csv']);
  // runs.csv: a row per run with its metrics as recorded (fractions here), convergence epoch (validation loss
  // 0.7, 0.5, 0.3 in every fixture run: epoch 3), mean epoch seconds and, for ASH, the last epoch's mean z:
  // seed 1 has z 0.311 and -0.149, mean 0.081. Failed runs have no metrics; 30 runs and the header.
  const runs = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
  assert.equal(runs.length, 31);
  assert.equal(runs[0], 'sweep,jobId,label,activation,model,dataset,seed,status,top1,top5,valLoss,epochs,convergenceEpoch,meanEpochSeconds,peakRssMB,ashMeanZ');
  const ash1 = runs.find((l) => l.startsWith('smoke,ash-resnet20-cifar10-s1,'))!;
  assert.match(ash1, /^smoke,ash-resnet20-cifar10-s1,ASH,ash,resnet20,cifar10,1,ok,0\.912,0\.99,0\.08799\d*,3,3,12\.5,,0\.08100\d*$/);
  assert.match(runs.find((l) => l.startsWith('smoke,elu-resnet20-cifar10-s2,'))!, /,2,failed,,,,0,,,,$/);
  assert.deepEqual(readdirSync(join(out, 'figures')).sort(), [
    'activations.svg',
    'smoke-resnet20-cifar10-ASH-params.svg',
    'smoke-resnet20-cifar10-valloss.svg',
  ]);
  const csv = readFileSync(join(out, 'report.csv'), 'utf8').split('\n');
  assert.equal(csv[0], 'sweep,dataset,metric,activation,resnet20 mean,resnet20 ci95,resnet20 sd,resnet20 n,resnet20 diverged,resnet20 failed,resnet20 paper model,resnet20 paper mean,resnet20 paper ci95,resnet20 diff');
  assert.match(csv[9]!, /^smoke,cifar10,top1,ASH,91\.23333\d*,0\.379458\d*,0\.152752\d*,3,0,0,resnet164,95\.7,0\.08,-4\.46666\d*$/);
  const tex = readFileSync(join(out, 'report.tex'), 'utf8');
  assert.ok(tex.includes('ASH & \\textbf{91.23 $\\pm$ 0.38} & 95.70 $\\pm$ 0.08 & $-$4.47 \\\\'), tex);
  assert.ok(tex.includes('\\caption{CIFAR-10: top-1 accuracy (\\%) (sweep smoke, vs paper table2-cifar10).'));
});

test('bad input is a UserError naming the problem (the CLI prints it and exits 2)', () => {
  const empty = tempDir();
  assert.throws(
    () => reportFromDir(empty),
    (e: unknown) => e instanceof UserError && e.message.startsWith(`no usable results in ${empty}:\n${empty}: no result.json found`),
  );
  const root = writeResults(tempDir(), [{ activation: 'relu', seed: 1 }]);
  assert.throws(() => reportFromDir(root, { paper: 'table42' }), (e: unknown) => e instanceof UserError && /unknown paper table 'table42'/.test(e.message));
  assert.throws(
    () => reportFromDir(root, { metrics: ['map50'] }),
    (e: unknown) => e instanceof UserError && /no run in .* recorded metric map50; recorded metrics: top1, top5, valLoss/.test(e.message),
  );
});
