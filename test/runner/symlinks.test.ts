// Links inside a results folder are refused, never followed: a metrics.jsonl, log.jsonl or output.log
// that is a symbolic link, a job folder that is one, and the temp-file clean-up of a linked folder
// must leave the files the links point to (outside the results folder) exactly as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { executeJobs } from '../../src/runner/executor.js';
import { runJobInDir } from '../../src/runner/job-process.js';
import { appendJsonLine, ensureDir, LOG_FILE, METRICS_FILE, OUTPUT_FILE, removeStaleTempFiles, SPEC_FILE } from '../../src/runner/store.js';
import { FAKE_JOB, planFor, tempDir, writeSweep } from './helpers.js';

const KEEP = 'precious data outside the results folder\n';

/** A file outside the results folder, and a link to it at `link`. */
function victimBehind(link: string): string {
  const victim = join(tempDir('ash-outside-'), 'victim.txt');
  writeFileSync(victim, KEEP);
  symlinkSync(victim, link);
  return victim;
}

function isRefusal(path: string) {
  return (err: unknown) => err instanceof UserError && err.message.includes(path) && /symbolic link/.test(err.message);
}

test('appendJsonLine refuses a metrics.jsonl that is a link', () => {
  const dir = tempDir();
  const link = join(dir, METRICS_FILE);
  const victim = victimBehind(link);
  assert.throws(() => appendJsonLine(link, { epoch: 1 }), isRefusal(link));
  assert.equal(readFileSync(victim, 'utf8'), KEEP);
});

const SPEC = { sweep: 's', label: 'relu', activation: { name: 'relu' }, model: 'resnet20', dataset: 'no-such-dataset', seed: 1, backend: 'cpu', train: { epochs: 1 }, data: {} };

for (const name of [METRICS_FILE, LOG_FILE]) {
  test(`a job refuses a ${name} that is a link (the linked file is neither truncated nor appended to)`, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, SPEC_FILE), JSON.stringify(SPEC));
    const link = join(dir, name);
    const victim = victimBehind(link);
    await assert.rejects(runJobInDir(dir), isRefusal(link));
    assert.equal(readFileSync(victim, 'utf8'), KEEP);
  });
}

test('the executor refuses a job folder that is a link, and an output.log that is one', async () => {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'links', ['ok']), dir);
  const job = plan.toRun[0]!;
  mkdirSync(join(dir, 'links'), { recursive: true });
  const outside = tempDir('ash-outside-');
  symlinkSync(outside, job.dir);
  await assert.rejects(executeJobs([job], { slots: 1, retries: 0, command: FAKE_JOB }), isRefusal(job.dir));
  assert.equal(existsSync(join(outside, SPEC_FILE)), false, 'nothing written through the linked folder');

  const plan2 = planFor(writeSweep(dir, 'links2', ['ok']), dir);
  const job2 = plan2.toRun[0]!;
  ensureDir(job2.dir);
  const link = join(job2.dir, OUTPUT_FILE);
  const victim = victimBehind(link);
  await assert.rejects(executeJobs([job2], { slots: 1, retries: 0, command: FAKE_JOB }), isRefusal(link));
  assert.equal(readFileSync(victim, 'utf8'), KEEP);
});

test('output.log is opened once, not followed: a link swapped in after the job started writes nothing outside', async () => {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'swap', ['crash']), dir);
  const job = plan.toRun[0]!;
  ensureDir(job.dir);
  const link = join(job.dir, OUTPUT_FILE);
  let victim = '';
  // The command's arguments are asked for after the executor has prepared output.log and before the process
  // starts: the moment a check-then-open-by-name leaves open. The file there is swapped for a link to a file
  // outside; the crashing job then writes its stderr ('fake job: something broke in resnet20').
  const swapping = {
    file: FAKE_JOB.file,
    args: (jobDir: string) => {
      if (existsSync(link)) rmSync(link);
      victim = victimBehind(link);
      return FAKE_JOB.args(jobDir);
    },
  };
  const [result] = await executeJobs([job], { slots: 1, retries: 0, command: swapping });
  assert.equal(result!.status, 'failed');
  assert.match(result!.error ?? '', /fake job: something broke in resnet20/, 'the stderr tail is still reported');
  assert.equal(readFileSync(victim, 'utf8'), KEEP, 'nothing written through the link');
});

test('output.log gets the job process\'s stdout and stderr, appended across attempts', async () => {
  const dir = tempDir();
  const plan = planFor(writeSweep(dir, 'out', ['any']), dir);
  const job = plan.toRun[0]!;
  const script = "console.log('to stdout'); console.error('to stderr'); process.exit(3)";
  const [result] = await executeJobs([job], { slots: 1, retries: 1, command: { file: process.execPath, args: () => ['-e', script] } });
  assert.equal(result!.status, 'failed');
  const lines = readFileSync(join(job.dir, OUTPUT_FILE), 'utf8').trim().split('\n').sort();
  assert.deepEqual(lines, ['to stderr', 'to stderr', 'to stdout', 'to stdout']);
});

test('the temp-file clean-up refuses a linked folder and deletes nothing in it', () => {
  const dir = tempDir();
  const outside = tempDir('ash-outside-');
  const temp = join(outside, 'result.json.tmp-123-abcd');
  writeFileSync(temp, KEEP);
  const link = join(dir, 'job');
  symlinkSync(outside, link);
  assert.throws(() => removeStaleTempFiles(link), isRefusal(link));
  assert.equal(readFileSync(temp, 'utf8'), KEEP);
});
