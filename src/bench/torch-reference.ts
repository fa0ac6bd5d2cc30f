// Runs bench/torch_reference.py (PyTorch on the same CPU) when a Python with torch is found. Never a
// runtime dependency: when none is found the bench reports why and goes on without it.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import type { ThroughputCase } from './throughput.js';

/** bench/torch_reference.py, found from this module both in src/ (tsx) and in dist/ (built). */
export const TORCH_SCRIPT = fileURLToPath(new URL('../../bench/torch_reference.py', import.meta.url));

/** Pythons tried in order: $ASH_BENCH_PYTHON, python3 on PATH, then Debian's (pyenv shims often hide it). */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([env.ASH_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p)))];
}

export type TorchProbe = { ok: true; python: string; version: string } | { ok: false; reason: string };

/** The first Python that imports torch, or why none does. */
export async function findTorch(candidates = pythonCandidates()): Promise<TorchProbe> {
  const failures: string[] = [];
  for (const python of candidates) {
    const r = await execa(python, ['-c', 'import torch; print(torch.__version__)'], { reject: false, timeout: 60_000 });
    if (r.exitCode === 0) return { ok: true, python, version: r.stdout.trim() };
    failures.push(`${python}: ${r.failed && r.exitCode === undefined ? 'not found' : (r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`)}`);
  }
  return { ok: false, reason: `no Python with torch (${failures.join('; ')}); on Debian: apt-get install python3-torch` };
}

export interface TorchResult extends ThroughputCase {
  threads: number;
  msPerStep: number;
  imagesPerSecond: number;
  torchVersion: string;
  /** Trainable parameters of the PyTorch network (equal to ours when the mirror is exact). */
  params: number;
}

export async function measureTorch(python: string, c: ThroughputCase, options: { threads: number; warmupSteps: number; steps: number }): Promise<TorchResult> {
  const args = [
    TORCH_SCRIPT,
    '--model', c.model,
    '--input', c.inputShape.join('x'),
    '--batch', String(c.batch),
    '--threads', String(options.threads),
    '--warmup', String(options.warmupSteps),
    '--steps', String(options.steps),
  ];
  const r = await execa(python, args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`${python} ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim().slice(-500)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: { ms_per_step?: unknown; images_per_second?: unknown; torch?: unknown; params?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    throw new Error(`${TORCH_SCRIPT}: expected one JSON line on stdout, got ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (typeof parsed.ms_per_step !== 'number' || typeof parsed.images_per_second !== 'number' || typeof parsed.params !== 'number') {
    throw new Error(`${TORCH_SCRIPT}: expected numbers ms_per_step, images_per_second and params, got ${line.slice(0, 200)}`);
  }
  return { ...c, threads: options.threads, msPerStep: parsed.ms_per_step, imagesPerSecond: parsed.images_per_second, torchVersion: String(parsed.torch), params: parsed.params };
}
