// Imports flow one way: cli -> runner/report -> config -> tasks -> models/data -> activations -> engine, and every
// layer may use the contract (plain schemas, src/contract/) and stats (plain arithmetic). A module that imports from
// a layer above its own fails here, naming the import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');
const RANK: Record<string, number> = { contract: 0, stats: 1, engine: 1, activations: 2, models: 3, data: 3, tasks: 4, config: 5, runner: 6, report: 6, bench: 7, cli: 8 };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('no module imports from a layer above its own', () => {
  const upward: string[] = [];
  for (const file of sources(SRC)) {
    const layer = relative(SRC, file).split('/')[0]!;
    if (!(layer in RANK)) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(SRC, normalize(join(dirname(file), match[1]!))).split('/')[0]!;
      if (target in RANK && RANK[target]! > RANK[layer]!) upward.push(`${relative(SRC, file)} imports ${match[1]}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('the contract is a leaf: it imports nothing of the project outside itself', () => {
  for (const file of sources(join(SRC, 'contract'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) assert.match(match[1]!, /^\.\/[^/]+$/, `${file}: ${match[1]}`);
  }
});
