// All figures of a sweep as SVG strings with stable file names.
import type { SweepReport } from '../build.js';
import { rowLabel } from '../aggregate.js';
import { activationCurvesSpec } from './activation-curves.js';
import { ashParameterSpec, validationLossSpec } from './training-curves.js';
import { renderSvg } from './vega.js';

export interface Figure {
  /** File name under figures/, e.g. 'smoke-valloss-resnet20-cifar10.svg'. */
  name: string;
  title: string;
  svg: string;
}

function fileSafe(text: string): string {
  return text.replace(/[^\w.-]+/g, '_');
}

export async function activationCurvesFigure(): Promise<Figure> {
  return { name: 'activations.svg', title: 'Activation functions', svg: await renderSvg(activationCurvesSpec()) };
}

export async function sweepFigures(sweep: SweepReport): Promise<Figure[]> {
  const figures: Figure[] = [];
  const pairs = [...new Set(sweep.results.map((r) => JSON.stringify([r.result.spec.model, r.result.spec.dataset])))].sort();
  for (const pair of pairs) {
    const [model, dataset] = JSON.parse(pair) as [string, string];
    const runs = sweep.results.filter((r) => r.result.spec.model === model && r.result.spec.dataset === dataset);
    const base = fileSafe(`${sweep.sweep}-${model}-${dataset}`);
    const loss = validationLossSpec(sweep.sweep, model, dataset, runs);
    if (loss) figures.push({ name: `${base}-valloss.svg`, title: `Validation loss, ${model} / ${dataset}`, svg: await renderSvg(loss) });
    for (const label of [...new Set(runs.map((r) => rowLabel(r.result)))].sort()) {
      const spec = ashParameterSpec(sweep.sweep, model, dataset, label, runs);
      if (spec) figures.push({ name: `${base}-${fileSafe(label)}-params.svg`, title: `${label} z and alpha, ${model} / ${dataset}`, svg: await renderSvg(spec) });
    }
  }
  return figures;
}
