// canonicalize (job ids, "is this the same spec?") bounds its depth: a result.json left in a job folder
// with a spec nested 100000 levels deep stops the sweep's planning with a UserError naming that file,
// instead of a stack overflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { canonicalJson } from '../../src/contract/spec.js';
import { planFor, tempDir, writeSweep } from '../runner/helpers.js';

function nested(depth: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

test('canonicalJson refuses a value nested deeper than 64 levels, and sorts keys of one that is not', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  assert.equal(canonicalJson(nested(64)), `${'{"a":'.repeat(64)}1${'}'.repeat(64)}`);
  assert.throws(() => canonicalJson(nested(100000)), (err: unknown) => err instanceof UserError && /nested deeper than 64 levels/.test(err.message));
});

test('planning a sweep over a job folder holding a deeply nested result.json names the file', () => {
  const dir = tempDir();
  const file = writeSweep(dir, 'deep', ['ok']);
  const job = planFor(file, dir).jobs[0]!;
  mkdirSync(job.dir, { recursive: true });
  const result = {
    // The activation's options are the spec's open part (checked by the activation registry, not the contract).
    schema: 1, jobId: job.id, status: 'ok', spec: { ...job.spec, activation: { ...job.spec.activation, deep: 0 } },
    metrics: { top1: 1, top5: 1, valLoss: 1 }, history: [], env: {}, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z',
  };
  const depth = 100000;
  writeFileSync(join(job.dir, 'result.json'), JSON.stringify(result).replace('"deep":0', `"deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
  assert.ok(readFileSync(join(job.dir, 'result.json'), 'utf8').length > 2 * depth);
  assert.throws(() => planFor(file, dir), (err: unknown) => err instanceof UserError && err.message.includes(join(job.dir, 'result.json')) && /nested deeper than 64 levels/.test(err.message));
});
