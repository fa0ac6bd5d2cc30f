// The bench report as text for people (`ash bench`; `--json` prints the report object itself).
import type { BenchReport } from './run.js';

const num = (v: number, digits = 1) => v.toFixed(digits);
const pad = (s: string, n: number) => s.padEnd(n);
const shape = (s: readonly number[]) => s.join('x');

export function formatReport(r: BenchReport): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`ash bench${r.quick ? ' --quick (tiny sizes: numbers are not comparable to a full run)' : ''}`);
  lines.push(`machine: ${m.cpu ?? 'unknown cpu'}, ${m.cores} cores, node ${m.node}; load average ${m.loadAverageBefore.map((v) => num(v, 2)).join(' ')} before, ${m.loadAverageAfter.map((v) => num(v, 2)).join(' ')} after`);

  if (r.throughput.length > 0 || r.torch.results.length > 0) {
    lines.push('', 'training throughput (images/s of the median step after warm-up; swish at every site, Nesterov SGD, weight decay)');
    lines.push(`  ${pad('engine', 22)}${pad('model', 11)}${pad('input', 9)}${pad('batch', 7)}${'ms/step'.padStart(9)}${'images/s'.padStart(10)}${'params'.padStart(10)}`);
    for (const t of r.throughput) {
      lines.push(`  ${pad(`ash ${t.backend}`, 22)}${pad(t.model, 11)}${pad(shape(t.inputShape), 9)}${pad(String(t.batch), 7)}${num(t.msPerStep).padStart(9)}${num(t.imagesPerSecond).padStart(10)}${String(t.params).padStart(10)}`);
    }
    for (const t of r.torch.results) {
      lines.push(`  ${pad(`pytorch ${t.threads} thread${t.threads > 1 ? 's' : ''}`, 22)}${pad(t.model, 11)}${pad(shape(t.inputShape), 9)}${pad(String(t.batch), 7)}${num(t.msPerStep).padStart(9)}${num(t.imagesPerSecond).padStart(10)}${String(t.params).padStart(10)}`);
    }
  }
  if (r.torch.available) lines.push(`  pytorch ${r.torch.version} via ${r.torch.python}`);
  else if (r.torch.reason) lines.push(`  pytorch: skipped: ${r.torch.reason}`);
  if (r.ratios.length > 0) {
    lines.push('', 'ours / PyTorch per core (1.00 = as fast as PyTorch on the same core)');
    for (const q of r.ratios) {
      const all = q.perCoreVsTorchAllThreads === undefined ? '' : `   vs all threads per core ${num(q.perCoreVsTorchAllThreads, 2)}`;
      lines.push(`  ${pad(`${q.backend} ${q.model} ${shape(q.inputShape)} batch ${q.batch}`, 40)} vs 1 thread ${num(q.perCoreVsTorchOneThread, 2)}${all}`);
    }
  }
  for (const a of [r.activations, r.activationsPlain]) {
    if (!a) continue;
    lines.push('', `activations: forward + backward on [${a.shape.join(', ')}], ${a.backend}, median of ${a.rounds} rounds`);
    for (const t of a.timings) lines.push(`  ${pad(t.activation, 12)}${num(t.ms).padStart(9)} ms   ${num(t.ratioToSwish, 2)}x swish`);
  }
  if (r.startup) {
    const s = r.startup;
    lines.push('', `job start-up: \`ash train\` ${s.model}, ${s.backend}, batch ${s.batch}; ms since process start`);
    const row = (label: string, run: NonNullable<typeof s.warm>) =>
      `  ${pad(label, 6)} ready ${num(run.readyMs, 0).padStart(6)}   first step done ${num(run.firstStepMs, 0).padStart(6)}   process exit ${num(run.wallMs, 0).padStart(6)}`;
    lines.push(row('cold', s.cold));
    if (s.warm) lines.push(row('warm', s.warm));
  }
  if (r.sweep) {
    const w = r.sweep;
    lines.push('', `sweep: ${w.config}: ${w.jobs} jobs, ${w.slots} at once, ~${num(w.secondsPerJob, 0)} s per job -> ~${num(w.jobsPerHour, 0)} jobs/hour`);
    lines.push(`  (${w.method})`);
  }
  for (const e of r.errors) lines.push('', `FAILED ${e.part}: ${e.message}`);
  return `${lines.join('\n')}\n`;
}
