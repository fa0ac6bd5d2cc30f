import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport, reportFromDir, writeReport } from '../../src/report/index.js';
import { escapeHtml } from '../../src/report/html.js';
import { smokeRuns, tempDir, writeResults } from './fixtures.js';

function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('which', [name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

const chromium = findChromium();

function smokeDirWithBadFile(): string {
  const root = writeResults(tempDir(), smokeRuns());
  writeFileSync(join(root, 'smoke', 'relu-resnet20-cifar10-s1', 'result.json'), '{"schema": 1, "jobId": "trunc');
  return root;
}

test('html page is self-contained: inline style and svg, no scripts, no external references', async () => {
  const root = smokeDirWithBadFile();
  const html = await renderReport(reportFromDir(root, { paper: 'table2', paperModel: 'resnet164' }), 'html');
  assert.ok(!/<script|<link|src="http|href="http/i.test(html));
  assert.equal((html.match(/<svg/g) ?? []).length, 3);
  assert.ok(html.includes('<style>'));
  assert.equal(escapeHtml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
});

test('html report renders in headless Chromium with its tables, figures and metadata', { skip: chromium ? false : 'chromium not installed (Debian: apt-get install -y chromium)' }, async () => {
  const root = smokeDirWithBadFile();
  const out = tempDir('ash-report-html-');
  await writeReport(reportFromDir(root, { paper: 'table2', paperModel: 'resnet164', metrics: ['top1', 'valLoss'] }), out, ['html']);
  const page = join(out, 'report.html');
  const r = spawnSync(chromium!, ['--headless', '--disable-gpu', '--no-sandbox', '--dump-dom', `file://${page}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const dom = r.stdout;
  // The DOM as Chromium parsed it: two tables with their cells.
  assert.equal((dom.match(/<table class="results"/g) ?? []).length, 2);
  // ASH top-1: 91.2, 91.4, 91.1 -> 91.23 ± 4.3027 * 0.1528 / sqrt(3) = 0.38, bold; paper ResNet-164 95.70.
  // Ours, the paper's and the difference each in its own column.
  assert.match(
    dom,
    /<td data-activation="ASH" data-model="resnet20" class="best"><strong><span class="mean">91\.23<\/span> ± <span class="ci">0\.38<\/span><\/strong><\/td><td class="paper" data-activation="ASH" data-model="resnet20">95\.70 ± 0\.08<\/td><td class="diff model-end" data-activation="ASH" data-model="resnet20">-4\.47<\/td>/,
  );
  assert.match(dom, /<th class="sub">ours<\/th><th class="sub">paper<\/th><th class="sub" title="ours - paper">Δ ours − paper<\/th>/);
  // ReLU lost its seed-1 file: 90.3, 90.0 -> 90.15 ± 12.706 * 0.2121 / sqrt(2) = 1.91; n = 2 is shown, the file listed.
  assert.match(dom, /data-activation="ReLU" data-model="resnet20"><span class="mean">90\.15<\/span> ± <span class="ci">1\.91<\/span> <span class="runs">\(n=2\)<\/span>/);
  assert.ok(dom.includes('relu-resnet20-cifar10-s1/result.json</code>: not valid JSON'));
  assert.ok(dom.includes("Kendall's τ vs paper"));
  assert.equal((dom.match(/<svg/g) ?? []).length, 3);
  assert.ok(dom.includes('Validation loss: resnet20 on CIFAR-10'));
  for (const text of ['57829f8e0f1c2d3b4a5968778695a4b3c2d1e0f9', '@tensorflow/tfjs-core', '4.22.0', '"bnMomentum": 0.9', 'Compute time']) {
    assert.ok(dom.includes(text), text);
  }
  assert.ok(readFileSync(page, 'utf8').length > 10_000);
});

test('html: every run per seed, and metadata fields with several values say which runs had which and why', async () => {
  const root = smokeDirWithBadFile();
  const html = await renderReport(reportFromDir(root, { paper: 'table2', paperModel: 'resnet164' }), 'html');
  const perSeed = /<table class="results per-seed" data-sweep="smoke" data-metric="top1">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  assert.match(perSeed, /<th>seed 1<\/th><th>seed 2<\/th><th>seed 3<\/th>/);
  // ASH: 0.912 + [0, 0.002, -0.001] as percent.
  assert.match(perSeed, /<th scope="row">ASH<\/th><td>resnet20<\/td><td>cifar10<\/td><td data-seed="1">91\.20<\/td><td data-seed="2">91\.40<\/td><td data-seed="3">91\.10<\/td>/);
  // SELU seed 3 diverged, ELU seed 2 failed; ReLU seed 1's file is unreadable, so no run: an empty cell.
  assert.match(perSeed, /<th scope="row">SELU<\/th>.*<td data-seed="3" class="missing">diverged<\/td>/);
  assert.match(perSeed, /<th scope="row">ELU<\/th>.*<td data-seed="2" class="missing">failed<\/td>/);
  assert.match(perSeed, /<th scope="row">ReLU<\/th><td>resnet20<\/td><td>cifar10<\/td><td data-seed="1"><\/td><td data-seed="2">90\.30<\/td>/);
  // env.params: two values, each with its runs, and what the field is.
  const params = /<dd data-env="params">([\s\S]*?)<\/dd>/.exec(html)?.[1] ?? '';
  assert.match(params, /<li><code>271994<\/code>: ELU, GELU, LReLU, Mish, PReLU, ReLU, SELU, Softplus, Swish \(resnet20 on cifar10\)<\/li>/);
  assert.match(params, /<li><code>272032<\/code>: ASH \(resnet20 on cifar10\)<\/li>/);
  assert.match(params, /class="why">trainable parameters of the model as built; they differ by model and by activation \(ASH learns z and alpha/);
  // A field with one value stays one value.
  assert.match(html, /<dd data-env="platform">linux<\/dd>/);
});

test('html figures fill the page width in Chromium', { skip: chromium ? false : 'chromium not installed' }, async () => {
  const root = smokeDirWithBadFile();
  const out = tempDir('ash-report-width-');
  await writeReport(reportFromDir(root, {}), out, ['html']);
  // The report has no scripts; a copy with one measures the laid-out page and writes the numbers into the DOM.
  const measure = `<script>
    const main = document.querySelector('section.sweep').getBoundingClientRect().width;
    const figs = [...document.querySelectorAll('figure svg')].map((s) => s.getBoundingClientRect().width);
    document.body.insertAdjacentHTML('beforeend', '<pre id="measure">' + JSON.stringify({ main, figs }) + '</pre>');
  </script>`;
  const page = join(out, 'measure.html');
  writeFileSync(page, readFileSync(join(out, 'report.html'), 'utf8').replace('</body>', `${measure}</body>`));
  const r = spawnSync(chromium!, ['--headless', '--disable-gpu', '--no-sandbox', '--window-size=1400,900', '--dump-dom', `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const { main, figs } = JSON.parse(/<pre id="measure">(\{.*?\})<\/pre>/.exec(r.stdout)![1]!) as { main: number; figs: number[] };
  // body: max-width 1100px with 1rem padding each side -> 1068 px of content on a 1400 px window.
  assert.ok(main > 1000, `content ${main} px wide`);
  assert.ok(figs.length >= 2);
  for (const w of figs) assert.ok(Math.abs(w - main) < 1, `figure ${w} px in a ${main} px column`);
});
