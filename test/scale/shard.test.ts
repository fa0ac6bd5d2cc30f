// Sharding: N shards run one after another give exactly the results of one unsharded run (same job
// ids, same metrics, written into the same directory), each job lands in exactly one shard, and a
// shard resumes on its own. Uses the fake job process of test/runner, so it runs in seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parseShard, selectShard, shardOf } from '../../src/runner/shard.js';
import { UserError } from '../../src/engine/errors.js';
import { planFor, sweepWithFakeJob as sweep, tempDir, writeSweep } from '../runner/helpers.js';


/** job id -> the result's status and top-1, for every result.json under the sweep directory. */
function results(sweepDir: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of readdirSync(sweepDir, { withFileTypes: true })) {
    const file = join(sweepDir, entry.name, 'result.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8')) as { jobId: string; status: string; metrics: { top1: number | null } };
    assert.equal(r.jobId, entry.name);
    map.set(r.jobId, `${r.status} ${r.metrics.top1}`);
  }
  return map;
}

test('N shards run one after another give the same results as one unsharded run', async () => {
  const dir = tempDir('ash-shard-');
  const file = writeSweep(dir, 'sharded', ['ok', 'diverge'], [1, 2, 3, 4], 1, 'retries: 0\n');
  const whole = await sweep({ file, out: join(dir, 'whole'), jobs: 2 });
  assert.equal(whole.exitCode, 0);
  const expected = results(join(dir, 'whole', 'sharded'));
  assert.equal(expected.size, 8);

  const shards = 3;
  const seen: string[] = [];
  for (let index = 0; index < shards; index++) {
    const run = await sweep({ file, out: join(dir, 'sharded'), jobs: 2, shard: { index, count: shards } });
    assert.equal(run.exitCode, 0);
    assert.match(run.text, new RegExp(`shard ${index}/${shards} has ${run.plan.jobs.length};`));
    seen.push(...run.plan.jobs.map((j) => j.id));
    assert.ok(!existsSync(join(dir, 'sharded', 'sharded', `.sweep.shard-${index}-of-${shards}.lock`)), 'the shard lock is released');
  }
  assert.deepEqual([...results(join(dir, 'sharded', 'sharded'))].sort(), [...expected].sort());
  assert.deepEqual(seen.sort(), [...expected.keys()].sort(), 'every job ran in exactly one shard');
  const sweepJson = JSON.parse(readFileSync(join(dir, 'sharded', 'sharded', 'sweep.json'), 'utf8')) as { jobs: string[] };
  assert.deepEqual(sweepJson.jobs.sort(), [...expected.keys()].sort(), 'sweep.json lists the whole sweep, not one shard');

  // Resume per shard: a shard run again runs nothing; after deleting one of its results it runs just
  // that one, and leaves the other shards' results alone.
  const busiest = [0, 1, 2].sort((a, b) => selectShard(whole.plan.jobs, { index: b, count: shards }).length - selectShard(whole.plan.jobs, { index: a, count: shards }).length)[0]!;
  const again = await sweep({ file, out: join(dir, 'sharded'), shard: { index: busiest, count: shards } });
  assert.equal(again.plan.toRun.length, 0);
  const victim = again.plan.jobs[0]!;
  const others = whole.plan.jobs.filter((j) => shardOf(j.id, shards) !== busiest).map((j) => j.id);
  const read = (id: string) => readFileSync(join(dir, 'sharded', 'sharded', id, 'result.json'), 'utf8');
  const othersBefore = others.map(read);
  rmSync(join(victim.dir, 'result.json'));
  const resumed = await sweep({ file, out: join(dir, 'sharded'), shard: { index: busiest, count: shards } });
  assert.deepEqual(resumed.plan.toRun.map((j) => j.id), [victim.id]);
  assert.deepEqual(others.map(read), othersBefore, 'other shards are untouched');
});

test('every job of a bigger grid is in exactly one shard, by sha256(job id) mod N', () => {
  const dir = tempDir('ash-shard-');
  const labels = Array.from({ length: 12 }, (_, i) => `act${i}`);
  const plan = planFor(writeSweep(dir, 'big', labels, [1, 2, 3, 4, 5]), join(dir, 'results'));
  assert.equal(plan.jobs.length, 60);
  for (const count of [1, 2, 3, 7, 60, 100]) {
    const owners = new Map<string, number>();
    for (let index = 0; index < count; index++) {
      for (const job of selectShard(plan.jobs, { index, count })) {
        assert.ok(!owners.has(job.id), `${job.id} is in shards ${owners.get(job.id)} and ${index} of ${count}`);
        owners.set(job.id, index);
      }
    }
    assert.equal(owners.size, plan.jobs.length, `${count} shards cover every job`);
    for (const [id, index] of owners) {
      // The documented rule, computed independently with BigInt.
      const prefix = BigInt(`0x${createHash('sha256').update(id).digest('hex').slice(0, 12)}`);
      assert.equal(index, Number(prefix % BigInt(count)));
      assert.equal(shardOf(id, count), index);
    }
  }
  // Stable: a job keeps its shard when the grid grows.
  const bigger = planFor(writeSweep(dir, 'big', [...labels, 'extra'], [1, 2, 3, 4, 5, 6]), join(dir, 'results'));
  for (const job of plan.jobs) assert.ok(bigger.jobs.some((j) => j.id === job.id));
  // Roughly even: no shard of 4 gets more than twice its share of 60.
  const sizes = [0, 1, 2, 3].map((index) => selectShard(plan.jobs, { index, count: 4 }).length);
  assert.ok(Math.max(...sizes) <= 30, `shard sizes ${sizes}`);
});

test('--shard is parsed and checked', async () => {
  assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
  assert.deepEqual(parseShard(' 0 / 1 '), { index: 0, count: 1 });
  assert.throws(() => parseShard('8/8'), (e: unknown) => e instanceof UserError && /between 0 and 7/.test(e.message));
  assert.throws(() => parseShard('1/0'), /at least 1/);
  assert.throws(() => parseShard('1of4'), /expected I\/N/);
  assert.throws(() => parseShard('-1/4'), /expected I\/N/);
  // --dry-run with a shard lists only that shard's jobs and writes nothing.
  const dir = tempDir('ash-shard-');
  const file = writeSweep(dir, 'dry', ['a', 'b', 'c', 'd'], [1, 2]);
  const all = planFor(file, join(dir, 'r')).jobs;
  const dry = await sweep({ file, out: join(dir, 'r'), dryRun: true, shard: { index: 1, count: 2 } });
  const listed = [...dry.text.matchAll(/todo +(\S+)/g)].map((m) => m[1]);
  assert.deepEqual(listed, selectShard(all, { index: 1, count: 2 }).map((j) => j.id));
  assert.ok(!existsSync(join(dir, 'r')));
});

test('ash status counts results of all shards against sweep.json, and marks started jobs', async () => {
  const { sweepStatus, formatStatus, findSweepDirs } = await import('../../src/runner/status.js');
  const dir = tempDir('ash-status-');
  const file = writeSweep(dir, 'st', ['ok', 'diverge'], [1, 2], 1);
  const out = join(dir, 'results');
  const all = planFor(file, out).jobs;
  const shard = { index: shardOf(all[0]!.id, 2), count: 2 };
  const ran = await sweep({ file, out, shard });
  const sweepDir = join(out, 'st');
  assert.deepEqual(findSweepDirs(out), [sweepDir]);
  const status = await sweepStatus(sweepDir, { squeue: false });
  const ok = ran.plan.jobs.filter((j) => j.spec.label === 'ok').length;
  assert.equal(status.total, 4);
  assert.deepEqual(status.counts, { ok, diverged: ran.plan.jobs.length - ok, failed: 0, started: 0, pending: 4 - ran.plan.jobs.length });
  assert.match(formatStatus(status), new RegExp(`${ran.plan.jobs.length} of 4 jobs finished`));
  assert.throws(() => findSweepDirs(join(dir, 'nowhere')), /does not exist/);
});
