// HTML: one self-contained page (inline CSS and SVG, no scripts, no external files) with tables, figures and
// the metadata of the runs.
import type { Report, SweepReport } from './build.js';
import { cellText, columnTitle, legend, MISSING, tableCaption, verdictRows } from './cell-text.js';
import type { Figure } from './figures/index.js';
import type { ExampleGrid } from './figures/examples.js';
import { ENV_MEANINGS, formatDuration, type RunMetadata } from './metadata.js';
import { fixed } from './cell-text.js';
import { perSeedTables, type PerSeedTable } from './per-seed.js';
import type { ReportTable, TableCell } from './table.js';
import { claimTables, powerLines, type TextTable } from './claims-text.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1.05rem; }
table.results { border-collapse: collapse; margin: 0.5rem 0; font-variant-numeric: tabular-nums; }
table.results caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
table.results th, table.results td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #e3e3e3; text-align: right; }
table.results th:first-child, table.results td:first-child { text-align: left; }
table.results thead th { border-bottom: 2px solid #444; }
table.results tfoot td { font-style: italic; color: #444; }
table.results tfoot tr:first-child td { border-top: 2px solid #444; }
td .ci, td .paper { color: #555; } td .runs { color: #a33; font-size: 0.85em; } td .diff { font-size: 0.9em; }
td.best strong { color: #000; }
.legend, .note { color: #555; font-size: 0.9rem; max-width: 60rem; }
.problems { background: #fff4e5; border-left: 4px solid #e69500; padding: 0.5rem 1rem; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; font-size: 0.85rem; }
figure { margin: 1.5rem 0; } figure svg { display: block; width: 100%; height: auto; }
table.results th.sub { font-weight: normal; color: #555; font-size: 0.85em; }
table.results td.paper, table.results td.diff { color: #555; } table.results td.model-end { border-right: 1px solid #ccc; }
table.per-seed td.missing { color: #a33; font-style: italic; }
dl.meta dd ul { margin: 0; padding-left: 1.2rem; } dl.meta dd .why { color: #555; font-size: 0.9em; }
table.examples { border-collapse: collapse; margin: 0.5rem 0; } table.examples th { font-weight: 600; padding: 0.2rem 0.4rem; font-size: 0.9rem; }
table.examples td { padding: 0.2rem; } table.examples img { width: 128px; height: auto; image-rendering: pixelated; display: block; }
figcaption { color: #555; font-size: 0.9rem; }
`;

/**
 * One model's cells of a row: ours (mean ± CI, run notes), and with a paper table the paper's value and
 * the difference in their own columns, so each can be read (and copied) down a column.
 */
function renderCells(cell: TableCell | null, table: ReportTable, model: string, label: string): string {
  const attrs = `data-activation="${escapeHtml(label)}" data-model="${escapeHtml(model)}"`;
  const withPaper = table.paper !== undefined && table.paper !== null;
  if (!cell) return withPaper ? `<td ${attrs}></td><td class="paper"></td><td class="diff model-end"></td>` : `<td ${attrs}></td>`;
  const t = cellText(cell, table);
  const ours = `<span class="mean">${t.mean}</span> ± <span class="ci">${t.ci ?? MISSING}</span>`;
  let html = cell.best ? `<strong>${ours}</strong>` : ours;
  if (t.runs) html += ` <span class="runs">(${escapeHtml(t.runs)})</span>`;
  const oursCell = `<td ${attrs}${cell.best ? ' class="best"' : ''}>${html}</td>`;
  if (!withPaper) return oursCell;
  const paper = t.paper ? `${t.paper.mean} ± ${t.paper.ci ?? MISSING}` : MISSING;
  const diff = t.paper?.diff ?? MISSING;
  return `${oursCell}<td class="paper" ${attrs}>${paper}</td><td class="diff model-end" ${attrs}>${diff}</td>`;
}

export function renderHtmlTable(table: ReportTable): string {
  const withPaper = table.paper !== undefined && table.paper !== null;
  const span = withPaper ? ' colspan="3"' : '';
  const head = withPaper
    ? `<tr><th rowspan="2">Activation</th>${table.columns.map((c) => `<th${span}>${escapeHtml(columnTitle(c))}</th>`).join('')}</tr>\n` +
      `<tr>${table.columns.map(() => '<th class="sub">ours</th><th class="sub">paper</th><th class="sub" title="ours - paper">Δ ours − paper</th>').join('')}</tr>`
    : `<tr><th>Activation</th>${table.columns.map((c) => `<th>${escapeHtml(columnTitle(c))}</th>`).join('')}</tr>`;
  const body = table.rows
    .map(
      (row) =>
        `<tr><th scope="row">${escapeHtml(row.label)}</th>` +
        row.cells.map((c, i) => renderCells(c, table, table.columns[i]!.model, row.label)).join('') +
        '</tr>',
    )
    .join('\n');
  const foot = verdictRows(table)
    .map((v) => `<tr><td>${escapeHtml(v.label)}</td>${table.columns.map((c) => `<td${span}>${escapeHtml(v.text(c.verdict))}</td>`).join('')}</tr>`)
    .join('\n');
  const notes = [...table.notes.map((n) => `Note: ${n}`), ...(table.paper ? table.paper.notes.map((n) => `Paper ${table.paper!.id}: ${n}`) : [])];
  const power = powerLines(table);
  const powerHtml =
    power.length > 0
      ? `<div class="power" data-metric="${escapeHtml(table.metric.key)}"><p class="note">${escapeHtml(power[0]!)}</p><ul class="note">${power
          .slice(1)
          .map((l) => `<li>${escapeHtml(l)}</li>`)
          .join('')}</ul></div>`
      : '';
  return [
    `<table class="results" data-sweep="${escapeHtml(table.sweep)}" data-dataset="${escapeHtml(table.dataset)}" data-metric="${escapeHtml(table.metric.key)}">`,
    `<caption>${escapeHtml(tableCaption(table))}</caption>`,
    `<thead>${head}</thead>`,
    `<tbody>\n${body}\n</tbody>`,
    foot ? `<tfoot>\n${foot}\n</tfoot>` : '',
    '</table>',
    `<p class="legend">${escapeHtml(legend(table))}</p>`,
    ...notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    powerHtml,
  ].join('\n');
}

export function renderHtmlTextTable(sweep: string, table: TextTable): string {
  return [
    `<table class="results ${table.id}" data-sweep="${escapeHtml(sweep)}" data-table="${table.id}">`,
    `<caption>${escapeHtml(table.caption)}</caption>`,
    `<thead><tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${table.rows.map((row) => `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`).join('\n')}\n</tbody>`,
    '</table>',
    `<p class="legend">${escapeHtml(table.legend)}</p>`,
  ].join('\n');
}

function renderMetadata(meta: RunMetadata): string {
  const items: [string, string][] = [
    ['Runs', `${meta.runs.ok + meta.runs.diverged + meta.runs.failed} (${meta.runs.ok} ok, ${meta.runs.diverged} diverged, ${meta.runs.failed} failed)`],
    ['Backend', meta.backends.join(', ') || 'unknown'],
    ['Commit', meta.commits.join(', ') || 'not recorded'],
    ['Compute time', `${formatDuration(meta.computeSeconds)} (sum over jobs of their seconds, every attempt of a resumed job)`],
    ['Elapsed', `${formatDuration(meta.elapsedSeconds)}${meta.firstStart ? ` (${meta.firstStart} to ${meta.lastFinish})` : ''}`],
  ];
  if (meta.paperTables.length > 0) items.push(['Paper table named by the sweep', meta.paperTables.join(', ')]);
  for (const [pkg, versions] of Object.entries(meta.versions)) items.push([pkg, versions.join(', ')]);
  const dd = items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`);
  for (const [key, values] of Object.entries(meta.environment)) {
    const varying = meta.varying.find((v) => v.key === key);
    const meaning = varying?.meaning ?? ENV_MEANINGS[key];
    const why = meaning ? `<div class="why">${escapeHtml(meaning)}</div>` : '';
    // A field with several values says which runs had which, so two numbers side by side are explained.
    const value = varying
      ? `<ul>${varying.values.map((v) => `<li><code>${escapeHtml(v.value)}</code>: ${escapeHtml(v.runs)}</li>`).join('')}</ul>`
      : escapeHtml(values.join(', '));
    dd.push(`<dt>env.${escapeHtml(key)}</dt><dd data-env="${escapeHtml(key)}">${value}${why}</dd>`);
  }
  const dl = `<dl class="meta">${dd.join('')}</dl>`;
  const recipes = meta.recipes
    .map((r) => `<p>Recipe used by ${r.runs} run(s):</p><pre class="recipe">${escapeHtml(r.recipe)}</pre>`)
    .join('\n');
  return `${dl}\n${recipes || '<p>No training recipe recorded.</p>'}`;
}

function renderPerSeedTable(sweep: string, table: PerSeedTable): string {
  const head = `<tr><th>Activation</th><th>Model</th><th>Dataset</th>${table.seeds.map((s) => `<th>seed ${s}</th>`).join('')}</tr>`;
  const body = table.rows
    .map(
      (row) =>
        `<tr><th scope="row">${escapeHtml(row.label)}</th><td>${escapeHtml(row.model)}</td><td>${escapeHtml(row.dataset)}</td>` +
        row.cells
          .map((c, i) => {
            const attrs = `data-seed="${table.seeds[i]}"`;
            if (typeof c === 'number') return `<td ${attrs}>${fixed(c, table.digits)}</td>`;
            return c === null ? `<td ${attrs}></td>` : `<td ${attrs} class="missing">${c}</td>`;
          })
          .join('') +
        '</tr>',
    )
    .join('\n');
  return [
    `<table class="results per-seed" data-sweep="${escapeHtml(sweep)}" data-metric="${escapeHtml(table.metric)}">`,
    `<caption>${escapeHtml(table.title)}, every run (sweep ${escapeHtml(sweep)})</caption>`,
    `<thead>${head}</thead>`,
    `<tbody>\n${body}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function renderFigure(figure: Figure): string {
  // The SVG comes from vega's own serializer (escaped text), so it is inlined as is.
  return `<figure data-figure="${escapeHtml(figure.name)}">${figure.svg}<figcaption>${escapeHtml(figure.title)}</figcaption></figure>`;
}

function image(uri: string | null, alt: string): string {
  // Data URIs built by the report from PNG bytes (base64): nothing in them needs escaping beyond the attribute.
  return uri ? `<img src="${escapeHtml(uri)}" alt="${escapeHtml(alt)}">` : '<span class="note">missing</span>';
}

/** One grid per (model, dataset): a row per validation image, its input and ground truth, then each activation's prediction. */
export function renderExampleGrid(grid: ExampleGrid): string {
  const head = `<tr><th>Image</th><th>Input</th><th>Ground truth</th>${grid.columns.map((c) => `<th title="seed ${c.seed}">${escapeHtml(c.label)}</th>`).join('')}</tr>`;
  const rows = grid.images.map(
    (img, i) =>
      `<tr><th scope="row">${escapeHtml(img.id)}</th><td>${image(img.input, `input ${img.id}`)}</td><td>${image(img.label, `ground truth ${img.id}`)}</td>` +
      grid.columns.map((c) => `<td data-activation="${escapeHtml(c.label)}">${image(c.predictions[i] ?? null, `${c.label} prediction ${img.id}`)}</td>`).join('') +
      '</tr>',
  );
  const seeds = [...new Set(grid.columns.map((c) => c.seed))];
  return [
    `<figure data-examples="${escapeHtml(`${grid.model}/${grid.dataset}`)}">`,
    `<table class="examples" data-model="${escapeHtml(grid.model)}" data-dataset="${escapeHtml(grid.dataset)}">`,
    `<thead>${head}</thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
    `<figcaption>Example predictions, ${escapeHtml(grid.model)} / ${escapeHtml(grid.dataset)}: ` +
      (grid.kind === 'detection'
        ? `the first test images, their ground-truth boxes and each activation's detections scoring 0.3 or more (boxes in class colours, PASCAL VOC palette; seed ${escapeHtml(seeds.join(', '))}).</figcaption>`
        : `the first validation images, their labels and each activation's predicted label map (PASCAL VOC colours; seed ${escapeHtml(seeds.join(', '))}).</figcaption>`),
    '</figure>',
  ].join('\n');
}

function renderSweep(sweep: SweepReport, figures: readonly Figure[], examples: readonly ExampleGrid[] = []): string {
  return [
    `<section class="sweep" data-sweep="${escapeHtml(sweep.sweep)}">`,
    `<h2>Sweep ${escapeHtml(sweep.sweep)}</h2>`,
    '<h3>Results</h3>',
    sweep.tables.length > 0 ? sweep.tables.map(renderHtmlTable).join('\n') : '<p>No table: no run recorded the requested metric.</p>',
    ...claimTables(sweep.claims).map((t) => `<h3>${escapeHtml(t.caption)}</h3>\n${renderHtmlTextTable(sweep.sweep, t)}`),
    figures.length > 0 ? `<h3>Figures</h3>\n${figures.map(renderFigure).join('\n')}` : '',
    '<h3>Every run</h3>',
    '<p class="legend">The value each seed reached, which the mean ± CI above summarises; diverged and failed runs are named.</p>',
    perSeedTables(sweep.rows, sweep.results).map((t) => renderPerSeedTable(sweep.sweep, t)).join('\n'),
    examples.length > 0 ? `<h3>Example predictions</h3>\n${examples.map(renderExampleGrid).join('\n')}` : '',
    '<h3>Runs</h3>',
    renderMetadata(sweep.metadata),
    '</section>',
  ].join('\n');
}

export interface HtmlFigures {
  /** Figures per sweep name. */
  sweeps: ReadonlyMap<string, readonly Figure[]>;
  /** Figures not tied to a sweep (the activation functions). */
  shared: readonly Figure[];
  /** Example predictions per sweep name (segmentation sweeps). */
  examples?: ReadonlyMap<string, readonly ExampleGrid[]>;
}

export function renderHtml(report: Report, figures: HtmlFigures): string {
  const name = report.sweeps.length === 1 ? `sweep ${report.sweeps[0]!.sweep}` : report.root;
  const problems =
    report.problems.length + report.notes.length > 0
      ? `<div class="problems">${
          report.problems.length > 0
            ? `<p><strong>Skipped ${report.problems.length} file(s):</strong></p><ul>${report.problems
                .map((p) => `<li><code>${escapeHtml(p.file)}</code>: ${escapeHtml(p.message)}</li>`)
                .join('')}</ul>`
            : ''
        }${report.notes.map((n) => `<p>Note: ${escapeHtml(n)}</p>`).join('')}</div>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ash-bench report: ${escapeHtml(name)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>ash-bench report: ${escapeHtml(name)}</h1>
<p class="note">Results directory <code>${escapeHtml(report.root)}</code>; metrics ${escapeHtml(report.metrics.join(', '))}. Reproduction of "Stochastic Adaptive Activation Function" (ASH, NeurIPS 2022).</p>
${problems}
${report.sweeps.map((s) => renderSweep(s, figures.sweeps.get(s.sweep) ?? [], figures.examples?.get(s.sweep) ?? [])).join('\n')}
${figures.shared.length > 0 ? `<h2>Activation functions</h2>\n${figures.shared.map(renderFigure).join('\n')}` : ''}
</body>
</html>
`;
}
