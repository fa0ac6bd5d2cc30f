// The corpus of invalid configs: each file under fixtures/invalid/ holds one (or a few) mistakes and
// says, in `# expect: PATH @ LINE [@ FILE] ~ MESSAGE PART [~ MORE PARTS]` comments, which problems the
// loader must report: the field path, the line the user wrote it on (counted by hand), and parts of
// the message. Exactly those problems, no more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadSweepConfig } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';

const DIR = 'test/config/fixtures/invalid';

interface Expectation {
  path: string;
  line: number;
  file: string;
  messageParts: string[];
}

function expectationsOf(file: string): Expectation[] {
  const out: Expectation[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^# expect: (.+?) @ (\d+)(?: @ (\S+))? ~ (.+)$/.exec(line);
    if (!m) continue;
    const shownFile = m[3] ? relative(process.cwd(), resolve(dirname(file), m[3])) : file;
    out.push({ path: m[1] === '(root)' ? '' : m[1]!, line: Number(m[2]), file: shownFile, messageParts: m[4]!.split(' ~ ') });
  }
  return out;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

test('the corpus holds at least 15 distinct mistakes', () => {
  assert.ok(files.length >= 15, `only ${files.length} invalid configs`);
  for (const f of files) assert.ok(expectationsOf(join(DIR, f)).length > 0, `${f} has no # expect: line`);
});

for (const name of files) {
  test(`invalid config ${name}: every problem named with its field and line`, () => {
    const file = join(DIR, name);
    const expected = expectationsOf(file);
    let error: unknown;
    try {
      loadSweepConfig(file);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ConfigError, `${name} was accepted (or failed otherwise: ${String(error)})`);
    const shown = error.problems.map(formatProblem).join('\n');
    for (const want of expected) {
      const hit = error.problems.find(
        (p) => p.path === want.path && new RegExp(`^${want.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${want.line}:\\d+$`).test(p.where),
      );
      assert.ok(hit, `no problem at ${want.file}:${want.line} for '${want.path || '(root)'}'; got:\n${shown}`);
      for (const part of want.messageParts) assert.ok(hit.message.includes(part), `message for '${want.path}' lacks "${part}":\n${shown}`);
    }
    assert.equal(error.problems.length, expected.length, `unexpected extra problems:\n${shown}`);
    // The CLI prints the message: a header, then one `WHERE  path  message` line per problem.
    const lines = error.message.split('\n');
    assert.equal(lines.length, expected.length + 1);
    for (const line of lines.slice(1)) assert.match(line, /^\S+:\d+:\d+ {2}\S+ {2}\S/);
  });
}
