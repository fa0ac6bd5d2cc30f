// A YAML "billion laughs" (aliases nested until expansion explodes) through the built CLI: exit 2 and
// one line naming the file, not a ReferenceError stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/cli/main.js');
const skip = existsSync(CLI) ? false : `${CLI} is missing: run npm run build`;

test('an alias bomb in a sweep config is one line naming the file, exit 2', { skip }, () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ash-bomb-')), 'bomb.yaml');
  const lines = ['name: bomb', 'a: &a [x, x, x, x, x, x, x, x, x]'];
  for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']] as const) lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  for (const command of ['validate', 'sweep']) {
    const r = spawnSync(process.execPath, [CLI, command, file, '--dry-run'].slice(0, command === 'sweep' ? 4 : 3), { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    const out = r.stderr.trim().split('\n');
    assert.equal(out.length, 2, r.stderr);
    assert.equal(out[0], `ash: ${file}: 1 problem`);
    assert.match(out[1]!, new RegExp(`^${file}:1:1 {2}.*too many YAML aliases`));
    assert.doesNotMatch(r.stderr, /\n +at /);
  }
});
