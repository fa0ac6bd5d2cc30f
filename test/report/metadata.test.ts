import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown, reportFromDir } from '../../src/report/index.js';
import { jobIdOf, tempDir, writeResults } from './fixtures.js';

test('compute time counts a resumed job\'s seconds over its attempts, not the pause between them', () => {
  const runs = [
    { activation: 'relu', seed: 1 },
    { activation: 'relu', seed: 2 },
  ];
  const root = writeResults(tempDir(), runs);
  // Seed 1 (fixture: 12:00:10 -> 12:00:47.5, no seconds field) counts finishedAt - startedAt = 37.5 s. Seed 2
  // (fixture end 2025-01-01 12:00:57.5) was resumed: first started 24 h before it finished, 50 s of training over
  // both attempts. 37.5 + 50 = 87.5 s (1 min 28 s); elapsed from seed 2's first start to the last finish, 24 h.
  const file = join(root, 'smoke', jobIdOf(runs[1]!), 'result.json');
  const result = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...result, startedAt: '2024-12-31T12:00:57.500Z', seconds: 50 }));
  const md = renderMarkdown(reportFromDir(root));
  assert.ok(md.includes('2 runs (2 ok, 0 diverged, 0 failed); backend cpu; compute time 1 min 28 s; elapsed 24 h 0 min'), md);
});
