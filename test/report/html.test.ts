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
  assert.match(dom, /<td data-activation="ASH" data-model="resnet20" class="best"><strong><span class="mean">91\.23<\/span> ± <span class="ci">0\.38<\/span><\/strong><br><span class="paper" title="paper">paper 95\.70 ± 0\.08<\/span> <span class="diff" title="ours - paper">Δ -4\.47<\/span><\/td>/);
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
