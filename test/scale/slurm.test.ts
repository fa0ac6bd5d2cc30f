// On a real single-node SLURM cluster (started by the test, see slurm-cluster.ts): `ash sweep
// --executor slurm` submits an array of 2 shards of a tiny real sweep (Fashion-MNIST, WASM, 64
// images), records the SLURM job id, `ash status` follows it, the array completes, and `ash report`
// merges the shards' results into one table. Needs the built CLI (`npm run build`), root, and the
// Debian packages slurm-wlm and munge; skipped with the reason when SLURM cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../runner/helpers.js';
import { startSlurmCluster } from './slurm-cluster.js';

const CLI = resolve('dist/cli/main.js');
const DATA = ['/usr/share/datasets/fashion-mnist', 'data/fashion-mnist'].find((d) => existsSync(join(d, 'train-labels-idx1-ubyte.gz')) || existsSync(join(d, 'train-labels-idx1-ubyte')));
const prerequisite = !existsSync(CLI) ? `${CLI} is missing: run npm run build` : !DATA ? 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)' : undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ash(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a sweep as a SLURM job array on a real single-node cluster, merged by ash report', { timeout: 150_000 }, async (t) => {
  if (prerequisite) {
    t.skip(prerequisite);
    return;
  }
  const dir = tempDir('ash-slurm-');
  const cluster = await startSlurmCluster(join(dir, 'cluster'));
  if (typeof cluster === 'string') {
    t.skip(cluster);
    return;
  }
  try {
    const file = join(dir, 'tiny.yaml');
    writeFileSync(
      file,
      'name: tiny\ngrid: { activation: [relu, swish], model: [resnet20], dataset: [fashion-mnist] }\nbackend: wasm\nseeds: [1]\n' +
        'train: { epochs: 1, batchSize: 32 }\ndata: { trainLimit: 64, testLimit: 32 }\nretries: 0\n',
    );
    const out = join(dir, 'results');
    const sweepDir = join(out, 'tiny');
    const base = ['sweep', file, '--executor', 'slurm', '--shards', '2', '--out', out, '--time', '00:05:00'];

    const dry = ash([...base, '--dry-run'], cluster.env);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^#SBATCH --array=0-1$/m);
    assert.match(dry.stdout, /^#SBATCH --time=00:05:00$/m);
    assert.match(dry.stdout, /--shard "\$\{SLURM_ARRAY_TASK_ID\}\/2"/);
    assert.ok(!existsSync(sweepDir), 'a dry run writes nothing');

    const submit = ash(base, cluster.env);
    assert.equal(submit.status, 0, submit.stdout + submit.stderr);
    const record = JSON.parse(readFileSync(join(sweepDir, 'slurm.json'), 'utf8')) as { submissions: { jobId: string; shards: number }[] };
    assert.equal(record.submissions.length, 1);
    const jobId = record.submissions[0]!.jobId;
    assert.match(submit.stdout, new RegExp(`submitted SLURM job ${jobId}: array of 2 tasks for 2 jobs`));

    const first = ash(['status', sweepDir], cluster.env);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /of 2 jobs finished/);
    assert.match(first.stdout, new RegExp(`SLURM job ${jobId}:`));

    // Done when both results exist and squeue no longer lists the array.
    const until = Date.now() + 120_000;
    let status = '';
    for (;;) {
      status = ash(['status', sweepDir], cluster.env).stdout;
      if (/2 of 2 jobs finished/.test(status) && /no task queued or running/.test(status)) break;
      if (Date.now() > until) {
        const logs = existsSync(join(sweepDir, 'slurm', 'logs')) ? readdirSync(join(sweepDir, 'slurm', 'logs')).map((f) => readFileSync(join(sweepDir, 'slurm', 'logs', f), 'utf8').slice(-600)) : [];
        assert.fail(`the array did not finish in 120 s; last status:\n${status}\ntask logs:\n${logs.join('\n---\n')}`);
      }
      await sleep(1000);
    }
    assert.match(status, /2 ok, 0 diverged, 0 failed/);
    const logs = readdirSync(join(sweepDir, 'slurm', 'logs')).sort();
    assert.deepEqual(logs, [`${jobId}_0.out`, `${jobId}_1.out`], 'one log per array task');
    for (const job of readdirSync(sweepDir).filter((d) => existsSync(join(sweepDir, d, 'result.json')))) {
      const result = JSON.parse(readFileSync(join(sweepDir, job, 'result.json'), 'utf8')) as { status: string };
      assert.equal(result.status, 'ok');
    }
    const shardsRun = logs.map((f) => /shard (\d)\/2/.exec(readFileSync(join(sweepDir, 'slurm', 'logs', f), 'utf8'))?.[1]).sort();
    assert.deepEqual(shardsRun, ['0', '1'], 'each array task ran its own shard');

    const report = ash(['report', out, '--format', 'md'], cluster.env);
    assert.equal(report.status, 0, report.stderr);
    // One table with both shards' rows: each array task wrote one of the two jobs.
    assert.match(report.stdout, /2 runs \(2 ok, 0 diverged, 0 failed\)/);
    assert.match(report.stdout, /^\| ReLU \| \*{0,2}\d+\.\d\d/m);
    assert.match(report.stdout, /^\| Swish \| \*{0,2}\d+\.\d\d/m);
  } finally {
    await cluster.stop();
  }
});
