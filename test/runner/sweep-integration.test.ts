// End to end with the built CLI (`npm run build` first) and real, tiny training jobs on Fashion-MNIST:
//  - kill -9 of a running sweep, then a re-run: every job's result exactly once, nothing half-written
//    counted, finished jobs not run again, and the orphaned job processes stop by themselves;
//  - a job that crashes (its data files are empty, set through a per-dataset override; a user error,
//    so not retried) while the others finish, and one that diverges (lr 1e30 through a per-model override), recorded as
//    diverged and never retried; a re-run retries only the failed jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './helpers.js';

const CLI = resolve('dist/cli/main.js');
const DATA = ['/usr/share/datasets/fashion-mnist', 'data/fashion-mnist'].find((d) => existsSync(join(d, 'train-labels-idx1-ubyte.gz')) || existsSync(join(d, 'train-labels-idx1-ubyte')));
const skip = !existsSync(CLI) ? `${CLI} is missing: run npm run build` : !DATA ? 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)' : false;

const TINY = 'backend: wasm\nseeds: [1, 2]\ntrain: { epochs: 1, batchSize: 32 }\ndata: { trainLimit: 64, testLimit: 32 }\n';

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Result files of a sweep directory, by job directory. */
function resultFiles(sweepDir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(sweepDir)) return out;
  for (const entry of readdirSync(sweepDir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(sweepDir, entry.name, 'result.json'))) out.set(entry.name, readFileSync(join(sweepDir, entry.name, 'result.json'), 'utf8'));
  }
  return out;
}

/** Live processes whose command line mentions `marker` (Linux /proc; undefined elsewhere). */
function liveProcesses(marker: string): number[] | undefined {
  if (!existsSync('/proc/self/cmdline')) return undefined;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) continue;
      const state = readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      if (state !== 'Z') pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, seconds: number, check: () => boolean): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > until) assert.fail(`gave up waiting ${seconds} s for ${what}`);
    await sleep(200);
  }
}

test('kill -9 mid-sweep, then re-run: every result exactly once', { skip, timeout: 240_000 }, async () => {
  const dir = tempDir('ash-kill-');
  const file = join(dir, 'kill.yaml');
  writeFileSync(file, `name: kill\ngrid: { activation: [relu, swish], model: [resnet20], dataset: [fashion-mnist] }\n${TINY}retries: 0\n`);
  const out = join(dir, 'results');
  const sweepDir = join(out, 'kill');

  const child = spawn(process.execPath, [CLI, 'sweep', file, '--out', out, '--jobs', '2', '--progress', 'json'], { detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitFor('the first job to finish', 150, () => resultFiles(sweepDir).size >= 1);
    // kill -9 of the sweep alone: its job processes lose their IPC channel and must stop by themselves.
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    const orphans = liveProcesses(sweepDir);
    if (orphans) await waitFor(`job processes ${liveProcesses(sweepDir)} to stop after the sweep died`, 30, () => liveProcesses(sweepDir)!.length === 0);
  } finally {
    // Whatever happened above, leave no process of this test behind.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  }
  const before = resultFiles(sweepDir);
  assert.ok(before.size >= 1 && before.size < 4, `killed with ${before.size} of 4 results`);
  const unfinished = readdirSync(sweepDir).find((d) => d.includes('-s') && !before.has(d) && existsSync(join(sweepDir, d, 'spec.json')));
  // What a kill in the middle of writing a result leaves: a temp file that must never count.
  if (unfinished) writeFileSync(join(sweepDir, unfinished, 'result.json.tmp-1-dead'), '{"schema": 1, "status": "ok", "met');

  const rerun = runCli(['sweep', file, '--out', out, '--jobs', '2', '--progress', 'json']);
  assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
  assert.match(rerun.stdout, new RegExp(`4 results: 4 ok, 0 diverged, 0 failed \\(${before.size} from earlier runs\\)`));
  const after = resultFiles(sweepDir);
  assert.equal(after.size, 4);
  for (const [jobDir, text] of before) assert.equal(after.get(jobDir), text, `${jobDir} was run again`);
  for (const [jobDir, text] of after) {
    const result = JSON.parse(text) as { jobId: string; status: string; history: unknown[] };
    assert.equal(result.jobId, jobDir);
    assert.equal(result.status, 'ok');
    const metrics = readFileSync(join(sweepDir, jobDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(metrics.length, 1, `${jobDir}: one epoch, one metrics line`);
    assert.deepEqual(result.history, metrics.map((l) => JSON.parse(l)));
  }
  const leftovers = readdirSync(sweepDir, { recursive: true }).map(String).filter((f) => f.includes('.tmp-') || f.endsWith('.lock'));
  assert.deepEqual(leftovers, []);
});

test('a crashing job fails (a user error, not retried) while the others finish; a diverging job is recorded once', { skip, timeout: 240_000 }, async () => {
  const dir = tempDir('ash-crash-');
  const file = join(dir, 'crash.yaml');
  // The mnist files are there (the preflight passes) but empty: each mnist job fails reading them.
  const brokenMnist = join(dir, 'broken-mnist');
  mkdirSync(brokenMnist);
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(brokenMnist, name), '');
  writeFileSync(
    file,
    [
      'name: crash',
      'grid: { activation: [relu], model: [resnet20, resnet32], dataset: [fashion-mnist, mnist] }',
      'backend: wasm',
      'seeds: [1]',
      'train: { epochs: 1, batchSize: 32 }',
      // Three steps: the first update with lr 1e30 makes the next losses NaN.
      'data: { trainLimit: 96, testLimit: 32 }',
      'retries: 1',
      'overrides:',
      `  dataset: { mnist: { data: { dataDir: ${brokenMnist} } } }`,
      '  model: { resnet32: { train: { optimizer: { lr: 1.0e+30 } } } }',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'results');
  const sweepDir = join(out, 'crash');
  const first = runCli(['sweep', file, '--out', out, '--jobs', '2', '--progress', 'json']);
  assert.equal(first.status, 1, 'failed jobs make the sweep exit 1');
  const results = [...resultFiles(sweepDir).values()].map((t) => JSON.parse(t) as { jobId: string; status: string; spec: { model: string; dataset: string }; attempts?: number; error?: string; metrics: { top1: number | null } });
  const cell = (model: string, dataset: string) => results.find((r) => r.spec.model === model && r.spec.dataset === dataset)!;
  const starts = (jobId: string) => first.stderr.split('\n').filter((l) => l.includes('"job started"') && l.includes(jobId)).length;

  assert.equal(results.length, 4);
  const ok = cell('resnet20', 'fashion-mnist');
  assert.equal(ok.status, 'ok');
  assert.ok(typeof ok.metrics.top1 === 'number' && ok.metrics.top1 >= 0 && ok.metrics.top1 <= 100);

  const diverged = cell('resnet32', 'fashion-mnist');
  assert.equal(diverged.status, 'diverged');
  assert.match(diverged.error!, /loss became (NaN|Infinity|-Infinity)/);
  assert.equal(diverged.metrics.top1, null);
  assert.equal(starts(diverged.jobId), 1, 'a diverged job is never retried');

  for (const model of ['resnet20', 'resnet32']) {
    const crashed = cell(model, 'mnist');
    assert.equal(crashed.status, 'failed');
    // Exit code 2 is a user error (here: unreadable data): another start would fail the same way.
    assert.equal(crashed.attempts, 1);
    assert.equal(starts(crashed.jobId), 1);
    assert.match(crashed.error!, /exited with code 2/);
    assert.match(crashed.error!, /broken-mnist\/(train|t10k)-(images|labels)-idx\d-ubyte: not an IDX file/, 'the stderr tail says why');
    assert.match(first.stdout, new RegExp(`failed: ${crashed.jobId}: job process exited with code 2: ash: .*not an IDX file`), 'the summary gives the cause');
  }
  assert.match(first.stdout, /\| ReLU \| \*\*\d+\.\d\d ± —\*\* \| — ± — \(n=0, 1 diverged\) \|/);
  assert.match(first.stdout, /4 results: 1 ok, 1 diverged, 2 failed/);

  // A re-run skips the ok and diverged jobs and starts each failed one again (once, with retries=0).
  const keep = new Map([...resultFiles(sweepDir)].filter(([, t]) => !t.includes('"status": "failed"')));
  const second = runCli(['sweep', file, '--out', out, '--jobs', '2', '--progress', 'json', '--set', 'retries=0']);
  assert.equal(second.status, 1);
  assert.match(second.stdout, /1 ok, 1 diverged, 2 failed \(2 from earlier runs\)/);
  assert.equal(second.stderr.split('\n').filter((l) => l.includes('"job started"')).length, 2);
  for (const [jobDir, text] of keep) assert.equal(resultFiles(sweepDir).get(jobDir), text);
});
