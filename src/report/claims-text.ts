// The words and numbers of the side tables (convergence, ASH's learned parameters, cost) and of the power
// lines under a paper table, shared by the Markdown and HTML renderers.
import type { Summary } from '../stats/summary.js';
import type { SweepClaims } from './claims.js';
import { fixed, MISSING, signed } from './cell-text.js';
import { datasetDisplayName, modelDisplayName } from './names.js';
import type { ColumnPower } from './power-check.js';
import { POWER_ALPHA, POWER_TARGET } from './power-check.js';
import type { ReportTable } from './table.js';

/** A plain table: a caption, a header, text cells (first column left-aligned) and a definition under it. */
export interface TextTable {
  id: 'convergence' | 'ash-parameters' | 'cost';
  caption: string;
  header: string[];
  rows: string[][];
  legend: string;
}

function meanCi(summary: Summary, digits: number): string {
  if (summary.mean === null) return MISSING;
  const ci = summary.ci95 === null ? MISSING : fixed(summary.ci95, digits);
  const runs = summary.n === 1 ? ' (n=1)' : '';
  return `${fixed(summary.mean, digits)} ± ${ci}${runs}`;
}

function percent(fraction: number): string {
  return `${fixed(100 * fraction, 1)}%`;
}

export function claimTables(claims: SweepClaims): TextTable[] {
  const tables: TextTable[] = [];
  if (claims.convergence.length > 0) {
    tables.push({
      id: 'convergence',
      caption: 'Convergence epoch',
      header: ['Activation', 'Model', 'Dataset', 'Convergence epoch', 'of epochs', 'runs'],
      rows: claims.convergence.map((r) => [r.label, modelDisplayName(r.model), datasetDisplayName(r.dataset), meanCi(r.summary, 1), String(r.epochs), String(r.summary.n)]),
      legend:
        `Convergence epoch: the first epoch whose validation loss is within ${fixed(100 * claims.tolerance, 1)}% of the run's final validation loss ` +
        `(|loss_e - loss_final| <= ${claims.tolerance} · loss_final); mean ± 95% CI over the finished runs (seeds). ` +
        'The paper claims ASH shortens it; lower is sooner. Change the tolerance with --convergence-tolerance.',
    });
  }
  if (claims.ashParams.length > 0) {
    tables.push({
      id: 'ash-parameters',
      caption: "ASH's learned threshold",
      header: ['Model', 'Dataset', 'layers × runs', 'z mean [min, max]', 'k = 1 − Φ(z) at mean z [min, max]', 'α mean [min, max]', 'k at start'],
      rows: claims.ashParams.map((r) => [
        modelDisplayName(r.model),
        datasetDisplayName(r.dataset),
        `${r.layers} × ${r.runs}`,
        `${signed(r.z.mean, 3)} [${signed(r.z.min, 3)}, ${signed(r.z.max, 3)}]`,
        `${percent(r.k.ofMeanZ)} [${percent(r.k.min)}, ${percent(r.k.max)}]`,
        `${fixed(r.alpha.mean, 3)} [${fixed(r.alpha.min, 3)}, ${fixed(r.alpha.max, 3)}]`,
        r.initialK === null ? MISSING : percent(r.initialK),
      ]),
      legend:
        "Each ASH layer's z and α after the last epoch, over every layer of every finished run. k = 1 − Φ(z) is the fraction of " +
        'activations the threshold keeps when the pre-activations are Gaussian (the paper\'s Proposition 1, Eq. 7); ' +
        '`ash analyze ash` measures the fraction kept on real test images.',
    });
  }
  if (claims.cost.length > 0) {
    tables.push({
      id: 'cost',
      caption: 'Training cost',
      header: ['Activation', 'Model', 'Dataset', 's / epoch', 'peak memory (MiB)', 'runs'],
      rows: claims.cost.map((r) => [
        r.label,
        modelDisplayName(r.model),
        datasetDisplayName(r.dataset),
        meanCi(r.secondsPerEpoch, 1),
        r.peakRssMB.n === 0 ? 'not recorded' : meanCi(r.peakRssMB, 0),
        String(r.secondsPerEpoch.n),
      ]),
      legend:
        "s / epoch: each run's mean epoch time (training and evaluation), then mean ± 95% CI over runs. Peak memory: the job " +
        "process's peak resident set size (env.peakRssMB, from getrusage), mean ± 95% CI over runs; runs from before it was recorded say 'not recorded'. " +
        'Times compare activations only within one machine and backend.',
    });
  }
  return tables;
}

function powerLine(p: ColumnPower, digits: number): string {
  const head = `${modelDisplayName(p.model)} (paper ${modelDisplayName(p.paperModel)}): the paper puts ASH ${signed(p.paperGap, digits)} vs ${p.baseline}`;
  if (p.note) return `${head}; ${p.note}.`;
  const spread = `measured sd ${fixed(p.ash.sd!, digits)} (ASH, n=${p.ash.n}) and ${fixed(p.best.sd!, digits)} (${p.baseline}, n=${p.best.n})`;
  const needed =
    p.seedsNeeded === null ? 'no practical number of seeds detects it' : `${p.seedsNeeded} seeds per activation detect it with power ${POWER_TARGET}`;
  const present = p.presentPower === null ? '' : `; this sweep's power: ${fixed(p.presentPower, 2)} (${p.presentPower >= POWER_TARGET ? 'could have' : 'could not have'} detected it)`;
  return `${head}; ${spread}: ${needed}${present}.`;
}

/** The lines under a table compared with the paper: what it would take to see the paper's gap. */
export function powerLines(table: ReportTable): string[] {
  if (!table.power || table.power.length === 0) return [];
  return [
    `Statistical power (two-sided Welch test, α = ${POWER_ALPHA}, target power ${POWER_TARGET}, the paper's ASH-vs-best-baseline gap, our spread):`,
    ...table.power.map((p) => powerLine(p, table.metric.digits)),
  ];
}
