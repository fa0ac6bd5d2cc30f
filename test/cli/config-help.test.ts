// The CLI as a newcomer meets it (built CLI, dist/cli/main.js): `validate --print` (the merged config,
// defaults filled in, runnable as it stands), the dry run's time estimate, "did you mean" for mistyped
// flags and commands, examples in every command's help and the environment variables in `ash --help`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { tempDir } from '../runner/helpers.js';
import { NATIVE_ADDON_PATH } from '../../src/engine/native.js';
import { ENVIRONMENT_VARIABLES } from '../../src/cli/environment.js';

const CLI = resolve('dist/cli/main.js');
const skip = existsSync(CLI) ? false : `${CLI} is missing: run npm run build`;

function ash(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ASH_NATIVE_KERNELS: process.env.ASH_NATIVE_KERNELS ?? '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Job ids (hashes of each job's full spec) that `ash validate --list` prints. */
function jobIds(file: string): string[] {
  // The config alone: the datasets these configs name are not on every machine (preflight is tested elsewhere).
  const r = ash('validate', file, '--list', '--no-preflight');
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').slice(1).map((l) => l.trim()).sort();
}

test('validate --print: YAML with extends merged, --set applied and defaults filled, that runs as the same jobs', { skip }, () => {
  const dir = tempDir('ash-print-');
  for (const file of ['configs/smoke.yaml', 'configs/examples/overrides.yaml', 'configs/paper/table2-cifar10.yaml']) {
    const r = ash('validate', file, '--print');
    assert.equal(r.status, 0, r.stderr);
    const printed = join(dir, file.replaceAll('/', '_'));
    writeFileSync(printed, r.stdout);
    // Job ids hash every field of a job's spec: equal ids mean the printed config is the same sweep.
    assert.deepEqual(jobIds(printed), jobIds(file), file);
    assert.equal((parse(r.stdout) as Record<string, unknown>).extends, undefined, `${file}: extends is merged, not repeated`);
  }
  const smoke = parse(ash('validate', 'configs/smoke.yaml', '--print', '--set', 'train.epochs=7').stdout) as {
    train: { epochs: number };
    grid: { activation: Record<string, unknown>[] };
  };
  assert.equal(smoke.train.epochs, 7);
  // smoke.yaml says `swish` and `{ name: ash, k: 0.5, label: ASH }`; the defaults come from the activation schemas.
  assert.deepEqual(smoke.grid.activation[1], { name: 'swish', beta: 1, trainBeta: false });
  assert.equal(smoke.grid.activation[2]!.label, 'ASH');
  assert.equal(smoke.grid.activation[2]!.k, 0.5);
  assert.equal(smoke.grid.activation[2]!.epsilon, 1e-5);
});

test('sweep --dry-run: the jobs and a time estimate from the bench figures, labelled as an estimate', { skip }, () => {
  const dir = tempDir('ash-estimate-');
  const file = join(dir, 'est.yaml');
  writeFileSync(
    file,
    'name: est\nbackend: wasm\ngrid: { activation: [relu], model: [resnet20], dataset: [fashion-mnist] }\nseeds: [1]\n' +
      'train: { epochs: 10, batchSize: 100 }\ndata: { trainLimit: 6000, testLimit: 1000 }\n',
  );
  const r = ash('sweep', file, '--dry-run', '--jobs', '1', '--out', join(dir, 'results'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}todo {3}relu-resnet20-fashion-mnist-s1-/m);
  // One job: 1.2 s start-up + 10 epochs x 60 steps x 100 images x ms/image + 10 x 1000 test images x ms/image / 3.
  // With the native kernels (307 img/s, 28x28x1): 1200 + 60000 x 3.2573 + 10000 x 1.0858 = 207 498 ms = 3m27s.
  // Plain WASM (70 img/s): 1200 + 60000 x 14.286 + 10000 x 4.7619 = 905 962 ms = 15m06s.
  const native = existsSync(NATIVE_ADDON_PATH);
  assert.match(r.stdout, native ? /estimate: about 3m27s for 1 job\(s\) on 1 slot\./ : /estimate: about 15m06s for 1 job\(s\) on 1 slot\./);
  assert.match(r.stdout, /An estimate from the README's bench figures \(2-core machine\), not a measurement: bench: resnet20 28x28x1 on wasm/);
  // A model without bench figures says how its figure was made.
  const wrn = ash('sweep', file, '--dry-run', '--set', 'grid.model=[wrn16-4]', '--out', join(dir, 'results'));
  assert.match(wrn.stdout, /no bench figure for wrn16-4: resnet20 32x32x3 scaled to 28x28x1 by pixels \(rough\)/);
  // A detector on fashion-scenes (64x64x1) takes its own bench figure, not a classifier's.
  const det = join(dir, 'det.yaml');
  writeFileSync(
    det,
    'name: det\ntask: detection\nbackend: wasm\ngrid: { activation: [relu], model: [ssd-small], dataset: [fashion-scenes] }\nseeds: [1]\n' +
      'train: { epochs: 2, batchSize: 16 }\ndata: { trainLimit: 1000, testLimit: 100 }\n',
  );
  const ssd = ash('sweep', det, '--dry-run', '--jobs', '1', '--out', join(dir, 'results'));
  assert.equal(ssd.status, 0, ssd.stderr);
  assert.match(ssd.stdout, /bench: ssd-small 64x64x1 on wasm/);
  assert.doesNotMatch(ssd.stdout, /no bench figure for ssd-small/);
});

test('a mistyped flag or command: exit 2 and the likely meaning', { skip }, () => {
  const flag = ash('sweep', 'configs/smoke.yaml', '--dryrun');
  assert.equal(flag.status, 2);
  assert.equal(flag.stderr.trim(), 'ash: Unknown argument: dryrun (--dryrun: did you mean --dry-run?)');
  const two = ash('validate', 'configs/smoke.yaml', '--lsit', '--zzz');
  assert.equal(two.status, 2);
  assert.equal(two.stderr.trim(), 'ash: Unknown arguments: lsit, zzz (--lsit: did you mean --list?)');
  const command = ash('swep', 'configs/smoke.yaml');
  assert.equal(command.status, 2);
  assert.match(command.stderr, /^ash: unknown command 'swep'; did you mean 'sweep'\?/);
  const name = ash('models', 'summary', '--model', 'resnet2O', '--dataset', 'cifar10');
  assert.equal(name.status, 2);
  assert.match(name.stderr, /unknown model 'resnet2O'.*; did you mean 'resnet20'\?/);
});

test("every command's --help has examples and a description for each option; ash --help names the environment variables", { skip }, () => {
  for (const command of ['doctor', 'datasets', 'datasets list', 'models', 'datasets inspect', 'datasets download', 'models list', 'models summary', 'report', 'validate', 'sweep', 'status', 'bench', 'paper', 'analyze ash']) {
    const r = ash(...command.split(' '), '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\nExamples:\n {2}ash /, `${command} --help has examples`);
    // An option line is `  --name  description  [type]`: no option may be listed without words.
    for (const line of r.stdout.split('\nExamples:')[0]!.split(/\n(?:Options|Logging \(every command\)):\n/).slice(1).join('\n').split('\n').filter((l) => /^\s+(-\w, )?--[\w-]+/.test(l))) {
      assert.match(line, /^\s+(-\w, )?--[\w-]+\s{2,}[^\s[]/, `${command}: an option without a description: ${line}`);
    }
  }
  const flat = (text: string) => text.replace(/\s+/g, ' ');
  assert.match(flat(ash('report', '--help').stdout), /table1-imagenet, table2-cifar10, table3-cifar100, table4-coco/);
  assert.match(flat(ash('doctor', '--help').stdout), /choices: "auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"/);
  assert.match(flat(ash('sweep', '--help').stdout), /--log-format .*choices: "pretty", "json"/);

  const help = ash('--help').stdout;
  assert.match(help, /Environment variables:\n/);
  // Every ASH_ variable the code reads is explained.
  const read = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/env\.(ASH_[A-Z_]+)/g)) read.add(m[1]!);
    }
  };
  walk('src');
  assert.ok(read.has('ASH_NATIVE_THREADS') && read.has('ASH_CACHE_DIR'));
  for (const name of read) {
    assert.ok(ENVIRONMENT_VARIABLES.some((v) => v.name === name), `${name} is read but not documented`);
    assert.match(help, new RegExp(`^ {2}${name} +\\S`, 'm'), `${name} in ash --help`);
  }
});

test('ash datasets list and ash models summary --dataset use the same datasets', { skip }, () => {
  const list = ash('datasets', 'list');
  assert.equal(list.status, 0, list.stderr);
  const classification = list.stdout.split('\n').filter((l) => /^\S+\s+classification\s/.test(l)).map((l) => l.split(/\s+/)[0]!);
  assert.ok(classification.includes('cifar100-coarse') && classification.includes('tiny-imagenet'), classification.join(','));
  const help = ash('models', 'summary', '--help').stdout.replace(/\s+/g, ' ');
  for (const name of classification) assert.ok(help.includes(name), `models summary --help names ${name}`);
  // cifar100-coarse: 20 classes, so a 64-wide final layer has 64 x 20 + 20 = 1300 parameters more than none.
  const coarse = ash('models', 'summary', '--model', 'resnet20', '--dataset', 'cifar100-coarse', '--activation', 'relu', '--json');
  assert.equal(coarse.status, 0, coarse.stderr);
  assert.deepEqual((JSON.parse(coarse.stdout) as { inputShape: number[] }).inputShape, [32, 32, 3]);
  assert.deepEqual((JSON.parse(coarse.stdout) as { outputShape: unknown[] }).outputShape, [null, 20]);
});
