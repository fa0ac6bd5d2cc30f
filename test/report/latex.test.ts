import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLatex, reportFromDir } from '../../src/report/index.js';
import { tempDir, writeResults } from './fixtures.js';

function paperRuns() {
  const runs: { model: string; activation: string; label?: string; seed: number; top1: number }[] = [];
  const add = (model: string, activation: string, top1s: number[], label?: string): void =>
    top1s.forEach((top1, i) => runs.push({ model, activation, seed: i + 1, top1, ...(label ? { label } : {}) }));
  add('resnet20', 'relu', [0.9, 0.91, 0.92]);
  add('resnet20', 'ash', [0.92, 0.93, 0.94]);
  add('resnet20', 'mish', [0.91], 'Mish_2%');
  add('resnet164', 'relu', [0.94, 0.95, 0.96]);
  return runs;
}

// Hand-checked (top1 as fractions, shown x100; table2-cifar10, both columns against the paper's ResNet-164):
//   resnet20 ReLU 90, 91, 92: mean 91, CI t(0.975, 2) * 1 / sqrt(3) = 2.48; paper 94.40 ± 0.04; 91 - 94.4 = -3.40
//   resnet20 ASH 92, 93, 94: 93.00 ± 2.48, bold; paper 95.70 ± 0.08; 93 - 95.7 = -2.70
//   resnet20 Mish_2% (label escaped) 91, n = 1: no CI, the paper has no Mish row: paper and difference missing
//   ResNet-164 ReLU 94, 95, 96: 95.00 ± 2.48, bold (alone); 95 - 94.4 = +0.60; no other row: empty cells
//   τ resnet20: ours (91, 93) and the paper's (94.4, 95.7) rank alike: 1.00; ResNet-164 one pair: no τ
//   Welch ASH (92, 93, 94) vs ReLU (90, 91, 92): p = 0.0705 (SciPy ttest_ind), ASH +2.00
const TABLE = String.raw`\begin{tabular}{lrrrrrr}
\toprule
Activation & \multicolumn{3}{c}{ResNet-164} & \multicolumn{3}{c}{resnet20 (vs paper ResNet-164)} \\
\cmidrule(lr){2-4} \cmidrule(lr){5-7}
 & ours & paper & $\Delta$ ours $-$ paper & ours & paper & $\Delta$ ours $-$ paper \\
\midrule
ReLU & \textbf{95.00 $\pm$ 2.48} & 94.40 $\pm$ 0.04 & +0.60 & 91.00 $\pm$ 2.48 & 94.40 $\pm$ 0.04 & $-$3.40 \\
ASH &  &  &  & \textbf{93.00 $\pm$ 2.48} & 95.70 $\pm$ 0.08 & $-$2.70 \\
Mish\_2\% &  &  &  & 91.00 $\pm$ -- {\scriptsize (n=1)} & -- & -- \\
\midrule
\emph{Kendall's $\tau$ vs paper} & \multicolumn{3}{l}{-- (1 activations)} & \multicolumn{3}{l}{1.00 (2 activations)} \\
\emph{ASH best? ours / paper} & \multicolumn{3}{l}{no ASH runs / yes} & \multicolumn{3}{l}{yes / yes} \\
\emph{Welch p, ASH vs best baseline} & \multicolumn{3}{l}{--} & \multicolumn{3}{l}{p = 0.070 (ASH +2.00 vs ReLU)} \\
\bottomrule
\end{tabular}`;

test('LaTeX paper comparison: ours, the paper and the difference in columns of their own, like the Markdown table', () => {
  const root = writeResults(tempDir(), paperRuns());
  const tex = renderLatex(reportFromDir(root, { paper: 'table2-cifar10', paperModel: 'resnet164' }));
  const start = tex.indexOf('\\begin{tabular}');
  assert.equal(tex.slice(start, tex.indexOf('\\end{tabular}') + '\\end{tabular}'.length), TABLE, tex);
  // Every body row has the header's cell count: activation + 3 per model (a \multicolumn{3} counts as 3).
  const rows = tex.slice(start).split('\n').filter((l) => l.endsWith('\\\\'));
  for (const row of rows) {
    const cells = row.split(' & ').reduce((n, c) => n + (c.startsWith('\\multicolumn{3}') ? 3 : 1), 0);
    assert.equal(cells, 7, row);
  }
});
