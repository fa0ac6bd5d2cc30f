// `ash analyze ash` and the report's new options through the built CLI: bad input is exit 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smokeRuns, tempDir, writeResults } from '../report/fixtures.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function ash(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('ash analyze ash: a missing folder and a bad --samples are exit 2, one line', () => {
  const missing = ash(['analyze', 'ash', join(tmpdir(), 'no-such-run-folder-xyz')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no-such-run-folder-xyz: no such folder/);
  const samples = ash(['analyze', 'ash', mkdtempSync(join(tmpdir(), 'ash-an-')), '--samples', '0']);
  assert.equal(samples.status, 2);
  assert.match(samples.stderr, /--samples: expected a whole number >= 1, got 0/);
});

test('ash analyze ash over results without models: every run skipped with its reason, no table', () => {
  const root = writeResults(tempDir(), smokeRuns().slice(0, 2));
  const r = ash(['analyze', 'ash', root, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { runs: unknown[]; skipped: { reason: string }[] };
  assert.equal(out.runs.length, 0);
  assert.equal(out.skipped.length, 2);
  assert.match(r.stderr, /skipped .*: no model\/model\.json/);
});

test('ash report: --convergence-tolerance is a percentage; the convergence table states it', () => {
  const root = writeResults(tempDir(), smokeRuns());
  const bad = ash(['report', root, '--convergence-tolerance', '150']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--convergence-tolerance: expected a percentage between 0 and 100, got 150/);
  const ok = ash(['report', root, '--convergence-tolerance', '10']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /### Convergence epoch/);
  assert.match(ok.stdout, /within 10\.0% of the run's final validation loss/);
});
