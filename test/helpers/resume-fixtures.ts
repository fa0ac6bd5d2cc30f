// What the resume tests share: the built CLI with an environment, the kill-after-epoch switch, a tiny MNIST fixture
// and the run they train (wrn10-1 with dropout 0.3 and ASH, 2 steps per epoch), and the parts of a result that must
// match exactly between an interrupted run and an uninterrupted one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMnistFixture } from './idx-fixtures.js';
import type { JobResult } from '../../src/runner/result.js';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
export const KILL = 'ASH_TEST_KILL_AFTER_EPOCH';
export const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-resume-'));

export function ash(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The resume runs' data (a fresh 32/12-image fixture) and `ash train` flags: 2 steps per epoch, dropout 0.3 between the convs of each block. */
export function resumeRun(epochs: number): { data: string; args: string[] } {
  const data = tmp();
  writeMnistFixture(data, { gzip: false, train: 32, test: 12 });
  const args = ['--data-dir', data, '--model', 'wrn10-1-drop0.3', '--activation', 'ash:k=0.3', '--epochs', String(epochs), '--batch-size', '16', '--seed', '5', '--backend', 'wasm'];
  return { data, args };
}

export const readResult = (dir: string): JobResult => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as JobResult;

/** What must match exactly: the metrics, per-class records and every epoch record but its wall-clock seconds. */
export const outcome = (r: JobResult) => ({ metrics: r.metrics, perClass: r.perClass, history: r.history.map(({ seconds: _s, ...rest }) => rest) });

/** When each attempt of a job started, in order: log.jsonl gets one 'job started' line per attempt. */
export function attemptStarts(jobDir: string): string[] {
  return readFileSync(join(jobDir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; attemptStartedAt?: string })
    .filter((l) => l.msg === 'job started')
    .map((l) => l.attemptStartedAt!);
}
