// `ash paper` through the built CLI: each paper table's configs, their data, the finished runs per cell,
// and the seeds the measured spread needs to detect the paper's ASH-vs-best-baseline gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSweepConfig } from '../../src/config/load.js';
import { expandJobs } from '../../src/config/expand.js';
import { writeCifar10 } from '../helpers/cifar-fixtures.js';
import { makeResult, tempDir } from '../report/fixtures.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function ash(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Three configs (CPU with data, GPU without, one that does not validate), results for the CPU one. */
function workspace(): { configs: string; results: string } {
  const root = tempDir('ash-paper-');
  const configs = join(root, 'configs');
  mkdirSync(join(configs, 'paper'), { recursive: true });
  writeCifar10(join(root, 'cifar'));
  writeFileSync(
    join(configs, 'paper', 't2-cpu.yaml'),
    `name: t2-cpu\nbackend: wasm\ngrid:\n  activation: [relu, swish, { name: ash, label: ASH }]\n  model: [resnet20]\n  dataset: [cifar10]\nseeds: [1, 2, 3]\ntrain: { epochs: 1 }\ndata: { dataDir: ${join(root, 'cifar')} }\npaper: table2-cifar10\n`,
  );
  writeFileSync(
    join(configs, 'paper', 't2-gpu.yaml'),
    `name: t2\ngrid:\n  activation: [relu, { name: ash, label: ASH }]\n  model: [resnet164]\n  dataset: [cifar10]\nseeds: [1, 2]\ndata: { dataDir: ${join(root, 'nowhere')} }\npaper: table2-cifar10\n`,
  );
  writeFileSync(
    join(configs, 't3.yaml'),
    `name: t3\ngrid:\n  activation: [relu]\n  model: [wrn28-10]\n  dataset: [cifar100]\nseeds: [1]\ntrain:\n  epochs: 0\npaper: table3-cifar100\n`,
  );
  writeFileSync(join(configs, 'not-a-table.yaml'), `name: other\ngrid: { activation: [relu], model: [resnet20], dataset: [mnist] }\nseeds: [1]\n`);

  // Results of t2-cpu with the job ids of its recipe. top1 as fractions, as the runner writes them:
  // ASH 95.1 / 95.3 / 95.5 % (sd 0.2), Swish 94.6 / 95.0 / 95.4 % (sd 0.4), ReLU seeds 1-2, its seed 3 failed.
  const results = join(root, 'results');
  const top1: Record<string, number[]> = { ASH: [0.951, 0.953, 0.955], swish: [0.946, 0.95, 0.954], relu: [0.94, 0.941, 0] };
  for (const job of expandJobs(loadSweepConfig(join(configs, 'paper', 't2-cpu.yaml')).config)) {
    const status = job.spec.label === 'relu' && job.spec.seed === 3 ? 'failed' : 'ok';
    const result = { ...makeResult({ activation: job.spec.activation.name, seed: job.spec.seed, top1: top1[job.spec.label]![job.spec.seed - 1]!, status }), jobId: job.id, spec: job.spec };
    mkdirSync(join(results, 't2-cpu', job.id), { recursive: true });
    writeFileSync(join(results, 't2-cpu', job.id, 'result.json'), JSON.stringify(result));
  }
  // A finished ReLU seed-3 run trained with another recipe (another job id): not a run of this config.
  const stale = { ...makeResult({ activation: 'relu', seed: 3, top1: 0.942, sweep: 't2-cpu', model: 'resnet20' }), jobId: 'relu-resnet20-cifar10-s3-000000000000' };
  mkdirSync(join(results, 't2-cpu', 'relu-resnet20-cifar10-s3-000000000000'), { recursive: true });
  writeFileSync(join(results, 't2-cpu', 'relu-resnet20-cifar10-s3-000000000000', 'result.json'), JSON.stringify(stale));
  // An older sweep for the same table, from a config no longer in the folder (its sweep.json names the table).
  const old = { ...makeResult({ activation: 'relu', seed: 1, sweep: 'old-t2' }), jobId: 'relu-old' };
  mkdirSync(join(results, 'old-t2', 'relu-old'), { recursive: true });
  writeFileSync(join(results, 'old-t2', 'relu-old', 'result.json'), JSON.stringify(old));
  writeFileSync(join(results, 'old-t2', 'sweep.json'), JSON.stringify({ config: { name: 'old-t2', paper: 'table2-cifar10' } }));
  return { configs, results };
}

interface Json {
  tables: {
    id: string;
    metric: string;
    configs: { file: string; machine: string; valid: boolean; problem?: string; jobs: number; datasets: { dataset: string; present: boolean }[] }[];
    cells?: { config: string; label: string; finishedSeeds: number[]; missingSeeds: number[]; failed: number; otherRecipe: number }[];
    power?: { config: string; model: string; paperModel: string; baseline: string; paperGap: number; ash: { n: number; sd: number }; best: { n: number; sd: number }; seedsNeeded: number | null; presentPower: number | null; note?: string }[];
  }[];
}

test('ash paper --json: configs per table, data presence, finished runs per cell and the seeds needed', () => {
  const { configs, results } = workspace();
  const r = ash(['paper', '--configs', configs, '--results', results, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Json;
  assert.deepEqual(
    out.tables.map((t) => t.id),
    ['table1-imagenet', 'table2-cifar10', 'table3-cifar100', 'table4-coco', 'table5-voc-detection', 'table6-ade20k', 'table7-voc-segmentation'],
  );
  const t2 = out.tables.find((t) => t.id === 'table2-cifar10')!;
  const cpu = t2.configs.find((c) => c.machine === 'cpu')!;
  const gpu = t2.configs.find((c) => c.machine === 'gpu')!;
  assert.match(cpu.file, /t2-cpu\.yaml$/);
  assert.equal(cpu.valid, true);
  assert.equal(cpu.jobs, 9);
  assert.deepEqual(cpu.datasets, [{ dataset: 'cifar10', dataDir: cpu.datasets[0]!.dataDir, present: true, detail: (cpu.datasets[0] as { detail: string }).detail }]);
  assert.equal(gpu.datasets[0]!.present, false, 'the GPU config points at a folder that does not exist');

  const cells = t2.cells!.filter((c) => c.config === cpu.file);
  const relu = cells.find((c) => c.label === 'ReLU')!;
  assert.deepEqual(relu.finishedSeeds, [1, 2]);
  assert.deepEqual(relu.missingSeeds, [3]);
  assert.equal(relu.failed, 1);
  assert.equal(relu.otherRecipe, 1, 'the run with a foreign job id is not counted');
  assert.deepEqual(cells.find((c) => c.label === 'ASH')!.finishedSeeds, [1, 2, 3]);

  // Paper Table 2, ResNet-164 column (resnet20 stands for it): ASH 95.7, best baseline Swish 95.5, gap 0.2.
  // Measured sds 0.2 (ASH) and 0.4 (Swish) over 3 seeds. SciPy (python3 test/fixtures/power-scipy.py, last
  // line): 41 seeds per activation for power 0.8; power of the 3 + 3 runs 0.08629753660927623.
  const p = t2.power!.find((x) => x.config === cpu.file)!;
  assert.equal(p.paperModel, 'resnet164');
  assert.equal(p.baseline, 'Swish');
  assert.ok(Math.abs(p.paperGap - 0.2) < 1e-9);
  assert.ok(Math.abs(p.ash.sd - 0.2) < 1e-9 && Math.abs(p.best.sd - 0.4) < 1e-9, `${p.ash.sd} ${p.best.sd}`);
  assert.equal(p.seedsNeeded, 41);
  assert.ok(Math.abs(p.presentPower! - 0.08629753660927623) < 1e-9, String(p.presentPower));
  const gpuPower = t2.power!.find((x) => x.config === gpu.file)!;
  assert.equal(gpuPower.seedsNeeded, null);
  assert.match(gpuPower.note!, /needs 2 finished runs/);

  const t3 = out.tables.find((t) => t.id === 'table3-cifar100')!;
  assert.equal(t3.configs.length, 1);
  assert.equal(t3.configs[0]!.valid, false);
  assert.match(t3.configs[0]!.problem!, /train\.epochs/);
  for (const id of ['table1-imagenet', 'table4-coco', 'table7-voc-segmentation']) assert.deepEqual(out.tables.find((t) => t.id === id)!.configs, []);
});

test('ash paper: the text listing says what is missing, and "no config yet" for tables without one', () => {
  const { configs, results } = workspace();
  const r = ash(['paper', '--configs', configs, '--results', results]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /table4-coco {2}\(map50; paper columns mask-rcnn, ssd, yolo\)\n.*\n {2}GPU: no config yet\n {2}CPU: no config yet/);
  assert.match(r.stdout, /CPU: .*t2-cpu\.yaml \(sweep t2-cpu; valid, 9 jobs\)/);
  assert.match(r.stdout, /data cifar10: MISSING: /);
  assert.match(r.stdout, /results of .*t2-cpu\.yaml .*: 8\/9 runs finished\n {4}missing ReLU resnet20 cifar10: seeds 3 \(1 failed, 1 from another recipe, not counted\)/);
  assert.match(r.stdout, /resnet20 \(for resnet164\) cifar10: paper gap ASH - Swish = 0\.20; .*41 seeds per activation for power 0\.8; the present runs could not reliably detect it \(power 0\.09\)/);
  assert.match(r.stdout, /does not validate yet: .*t3\.yaml:\d+:\d+ {2}train\.epochs/);
  assert.doesNotMatch(r.stdout, /not-a-table/);
  assert.match(r.stdout, /results also in .*old-t2 \(1 run; its sweep names this table but no config here runs it\)/);
});

test('ash paper: bad input is one line and exit 2', () => {
  const missing = ash(['paper', '--results', '/nonexistent/results']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /results directory '\/nonexistent\/results' does not exist/);
  const power = ash(['paper', '--power', '1.5']);
  assert.equal(power.status, 2);
  assert.match(power.stderr, /--power 1\.5: expected a number between 0 and 1/);
});

test('ash paper with the shipped configs lists Tables 1-3 with a GPU and a CPU config each', () => {
  const r = ash(['paper', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Json;
  for (const id of ['table1-imagenet', 'table2-cifar10', 'table3-cifar100']) {
    const machines = new Set(out.tables.find((t) => t.id === id)!.configs.map((c) => c.machine));
    assert.deepEqual([...machines].sort(), ['cpu', 'gpu'], id);
  }
});

test('ash paper looks for MNIST-family data where the reader looks: present with the files, the reader\'s message without', async () => {
  const { checkDataset } = await import('../../src/runner/paper-status.js');
  const { writeMnistFixture } = await import('../helpers/idx-fixtures.js');
  const withData = tempDir();
  writeMnistFixture(withData, { gzip: false, train: 8, test: 4 });
  assert.equal(checkDataset('mnist', withData).present, true);
  const empty = tempDir();
  const missing = checkDataset('mnist', empty);
  assert.equal(missing.present, false);
  assert.match(missing.detail, /lacks train-images-idx3-ubyte/);
});

test('ash paper checks fashion-scenes by the Fashion-MNIST files it is composed from', async () => {
  const { checkDataset } = await import('../../src/runner/paper-status.js');
  const { writeMnistFixture } = await import('../helpers/idx-fixtures.js');
  const withData = tempDir();
  writeMnistFixture(withData, { gzip: false, train: 8, test: 4 });
  assert.equal(checkDataset('fashion-scenes', withData).present, true);
  const missing = checkDataset('fashion-scenes', tempDir());
  assert.equal(missing.present, false);
  assert.match(missing.detail, /lacks train-images-idx3-ubyte/);
});
