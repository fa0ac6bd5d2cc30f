// Shared helpers for runner tests: small sweeps written to temp directories.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSweepConfig } from '../../src/config/load.js';
import { expandJobs } from '../../src/config/expand.js';
import { planJobs, type Plan } from '../../src/runner/plan.js';
import type { JobCommand } from '../../src/runner/executor.js';
import { PassThrough } from 'node:stream';
import { runSweep, type SweepOptions } from '../../src/runner/sweep.js';

export function tempDir(prefix = 'ash-runner-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A sweep config whose entries carry these labels (the fake job acts on the label). Each is a leaky ReLU with its
 * own slope, so that the entries are distinct jobs (a label alone only names a row).
 */
export function writeSweep(dir: string, name: string, labels: string[], seeds: number[] = [1], epochs = 1, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  const activations = labels.map((label, i) => `{ name: lrelu, slope: ${(i + 1) / 100}, label: ${label} }`).join(', ');
  writeFileSync(
    file,
    `name: ${name}\nbackend: wasm\ngrid: { activation: [${activations}], model: [resnet20], dataset: [fashion-mnist] }\nseeds: [${seeds.join(', ')}]\ntrain: { epochs: ${epochs} }\n${extra}`,
  );
  return file;
}

export function planFor(file: string, out: string): Plan {
  const { config } = loadSweepConfig(file);
  return planJobs(expandJobs(config), join(out, config.name));
}

export const FAKE_JOB: JobCommand = {
  file: process.execPath,
  args: (dir) => [resolve('test/runner/fixtures/fake-job.mjs'), dir],
};

/** Run a sweep with the fake job process, JSON progress discarded; returns the outcome and what it printed. */
export async function sweepWithFakeJob(options: Omit<SweepOptions, 'command' | 'progress'>) {
  let text = '';
  const out = new PassThrough();
  out.on('data', (c: Buffer) => (text += c.toString()));
  const outcome = await runSweep({ ...options, command: FAKE_JOB, progress: 'json', progressStream: new PassThrough().resume() }, out);
  return { ...outcome, text };
}
