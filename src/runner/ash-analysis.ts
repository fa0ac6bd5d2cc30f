// `ash analyze ash`: for finished classification runs with a saved model, what every ASH layer keeps on test
// images against the k its learned z stands for, and how Gaussian its inputs are. Finds the runs (a job folder,
// a sweep, a results root), loads each model and its dataset's test split, and leaves the measuring to
// tasks/classification/ash-analysis.ts.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { initEngine } from '../engine/backend.js';
import { loadTrainingData } from '../data/registry.js';
import { analyzeAshModel, ashLayersOf, type AshLayerAnalysis } from '../tasks/classification/ash-analysis.js';
import { loadResults, type LoadedResult } from '../report/load.js';
import { fixed as fixedDigits, MISSING } from '../report/cell-text.js';
import { loadLayersModelFromDir, MODEL_DIR } from './model-files.js';

export const DEFAULT_ANALYSIS_SAMPLES = 256;

export interface RunAshAnalysis {
  dir: string;
  jobId: string;
  label: string;
  model: string;
  dataset: string;
  seed: number;
  /** Test images fed through the model. */
  samples: number;
  layers: AshLayerAnalysis[];
}

export interface AshAnalysis {
  runs: RunAshAnalysis[];
  /** Runs found but not analysed, with why (no model saved, not classification, no ASH layer...). */
  skipped: { dir: string; reason: string }[];
}

function runsUnder(path: string): { runs: LoadedResult[]; skipped: AshAnalysis['skipped'] } {
  if (!existsSync(path)) throw new UserError(`${path}: no such folder (expected a run folder with result.json and model/, or a results folder)`);
  const loaded = loadResults(path);
  const skipped = loaded.problems.map((p) => ({ dir: dirname(p.file), reason: p.message }));
  return { runs: loaded.results, skipped };
}

/** Analyses every run under `paths` that can be: ok, classification, with model/ and at least one ASH layer. */
export async function analyzeAshRuns(paths: readonly string[], options: { samples?: number; backend?: string } = {}): Promise<AshAnalysis> {
  const samples = options.samples ?? DEFAULT_ANALYSIS_SAMPLES;
  if (!(Number.isInteger(samples) && samples >= 1)) throw new UserError(`--samples: expected a whole number >= 1, got ${samples}`);
  // Inference only: WASM (with the native kernels when built) is exact enough and always there.
  await initEngine({ backend: options.backend ?? 'wasm' });
  const analysis: AshAnalysis = { runs: [], skipped: [] };
  for (const path of paths) {
    const { runs, skipped } = runsUnder(path);
    analysis.skipped.push(...skipped);
    for (const run of runs) {
      const dir = dirname(run.file);
      const { spec } = run.result;
      const skip = (reason: string): void => void analysis.skipped.push({ dir, reason });
      if (run.result.task !== 'classification') {
        skip(`a ${run.result.task} run; only classification runs are analysed`);
        continue;
      }
      if (run.result.status !== 'ok') {
        skip(`status ${run.result.status}: no trained model`);
        continue;
      }
      if (!existsSync(join(dir, MODEL_DIR, 'model.json'))) {
        skip(`no ${MODEL_DIR}/model.json (runs save their model since result schema 2; re-run to analyse it)`);
        continue;
      }
      const model = await loadLayersModelFromDir(join(dir, MODEL_DIR));
      try {
        // Before reading any data: most runs of a sweep are other activations.
        if (ashLayersOf(model).length === 0) {
          skip(`activation ${spec.activation.name}: the model has no ASH layer`);
          continue;
        }
        const data = await loadTrainingData(spec.dataset, spec.data);
        const layers = await analyzeAshModel(model, data, samples);
        analysis.runs.push({
          dir,
          jobId: run.result.jobId,
          label: spec.label,
          model: spec.model,
          dataset: spec.dataset,
          seed: spec.seed,
          samples: Math.min(samples, data.test.count),
          layers,
        });
      } finally {
        model.dispose();
      }
    }
  }
  return analysis;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? fixedDigits(value, digits) : MISSING;
}

function percent(value: number): string {
  return `${fixed(100 * value, 1)}%`;
}

/** One Markdown table per run: a row per ASH layer. */
export function renderAshAnalysisMarkdown(analysis: AshAnalysis): string {
  const parts = ['# ASH layers on test images', ''];
  parts.push(
    'Per ASH layer: its learned z and α; k = 1 − Φ(z), the fraction Proposition 1 says the threshold keeps when the pre-activations are Gaussian; ' +
      'the fraction it keeps on these images, soft (mean of sigmoid(2α(x − m − z·s)), what the smooth layer passes) and hard (x ≥ m + z·s, Eq. 2); ' +
      'and how Gaussian the pre-activations are per statistics group (each sample, or each sample\'s channel): mean skewness, excess kurtosis ' +
      'and Kolmogorov-Smirnov distance to the normal with the group\'s own mean and std (0 for a perfect fit; both moments are 0 for a Gaussian).',
  );
  for (const run of analysis.runs) {
    parts.push('', `## ${run.label}: ${run.model} on ${run.dataset}, seed ${run.seed} (${run.samples} test images)`, '', `\`${run.dir}\``, '');
    parts.push('| Layer | z | α | k = 1 − Φ(z) | kept (soft) | kept (hard) | skewness | excess kurtosis | KS | groups × size |');
    parts.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const l of run.layers) {
      const constant = l.constantGroups > 0 ? ` (${l.constantGroups} constant)` : '';
      parts.push(
        `| ${l.layer} | ${fixed(l.z, 3)} | ${fixed(l.alpha, 3)} | ${percent(l.gaussianKept)} | ${percent(l.softKept)} | ${percent(l.hardKept)} | ` +
          `${fixed(l.skewness, 2)} | ${fixed(l.excessKurtosis, 2)} | ${fixed(l.ks, 3)} | ${l.groups} × ${l.groupSize}${constant} |`,
      );
    }
  }
  if (analysis.runs.length === 0) parts.push('', 'No run analysed.');
  if (analysis.skipped.length > 0) {
    parts.push('', 'Skipped:', '');
    for (const s of analysis.skipped) parts.push(`- \`${s.dir}\`: ${s.reason}`);
  }
  return `${parts.join('\n')}\n`;
}
