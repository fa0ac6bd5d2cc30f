// Load a sweep config: read the YAML file and the chain of files it `extends`, merge them, apply
// `--set` overrides, validate with the schema, and report every problem at the FILE:LINE:COL that
// caused it (or the --set argument that did).
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { SweepConfigSchema, type SweepConfig } from './schema.js';
import { objectKeysAt } from './schema-keys.js';
import { activationOptionsSchema } from '../activations/registry.js';
import { applySet, deepMerge, isPlainObject, parseSet, type Plain, type SetOverride } from './merge.js';
import { ConfigError, dottedPath, issueMessage, unknownKeyMessage, type ConfigProblem } from './problems.js';
import { locate, parseYaml, type YamlSource } from './yaml-source.js';

export interface LoadOptions {
  /** `key.path=value` overrides, applied in order after the files are merged (one, or a list). */
  set?: string | readonly string[];
}

export interface LoadedConfig {
  /** The file as given. */
  file: string;
  /** Every file read: the extends chain, base first. */
  files: string[];
  config: SweepConfig;
  /** The merged input before validation (what the user wrote, defaults not filled). */
  input: Plain;
}

interface Layer {
  source: YamlSource;
  value: Plain;
}

function displayPath(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return rel && !rel.startsWith('..') ? rel : absolute;
}

function at(source: YamlSource, path: readonly PropertyKey[], which: 'key' | 'value' = 'value'): string {
  const { line, col } = locate(source, path, which).position;
  return `${source.file}:${line}:${col}`;
}

/** Read `file` and the files it extends, base first. Stops at the first file that cannot be used. */
function readChain(file: string, shownAs: string, seen: string[], problems: ConfigProblem[]): Layer[] | undefined {
  let text: string;
  let real: string;
  try {
    text = readFileSync(file, 'utf8');
    real = realpathSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push({ where: shownAs, path: '', message: `cannot read the file: ${code === 'ENOENT' ? 'it does not exist' : (err as Error).message} (expected a YAML sweep config)` });
    return undefined;
  }
  const { source, errors } = parseYaml(shownAs, text);
  if (errors.length > 0) {
    for (const e of errors) problems.push({ where: `${shownAs}:${e.line}:${e.col}`, path: '', message: `YAML syntax error: ${e.message}` });
    return undefined;
  }
  let value: unknown;
  try {
    // yaml refuses to expand aliases past a limit ("billion laughs"); that is a problem with the file.
    value = source.doc.toJS();
  } catch (err) {
    problems.push({ where: `${shownAs}:1:1`, path: '', message: `too many YAML aliases to expand (${(err as Error).message}); write the values out instead` });
    return undefined;
  }
  if (!isPlainObject(value)) {
    const what = value === null || value === undefined ? 'the file is empty' : `the file holds ${Array.isArray(value) ? 'a list' : 'a single value'}`;
    problems.push({ where: `${shownAs}:1:1`, path: '', message: `${what} (expected a mapping of config fields: name, grid, seeds, ...)` });
    return undefined;
  }
  const layer: Layer = { source, value };
  if (value.extends === undefined) return [layer];
  if (typeof value.extends !== 'string' || value.extends === '') {
    problems.push({ where: at(source, ['extends']), path: 'extends', message: `got ${JSON.stringify(value.extends)} (expected the path of a base config, relative to this file)` });
    return undefined;
  }
  const basePath = resolve(dirname(real), value.extends);
  let baseReal: string | undefined;
  try {
    baseReal = realpathSync(basePath);
  } catch {
    problems.push({ where: at(source, ['extends']), path: 'extends', message: `'${value.extends}' does not exist (expected the path of a base config, relative to this file: looked for ${basePath})` });
    return undefined;
  }
  if (seen.includes(baseReal) || baseReal === real) {
    problems.push({ where: at(source, ['extends']), path: 'extends', message: `'${value.extends}' extends itself through ${[...seen, real].map(displayPath).join(' -> ')} (expected a chain without cycles)` });
    return undefined;
  }
  const base = readChain(basePath, displayPath(basePath), [...seen, real], problems);
  return base ? [...base, layer] : undefined;
}

/** Where a path's value came from: the --set that set it, else the top-most file that spells it out. */
function whereOf(path: readonly PropertyKey[], layers: Layer[], sets: SetOverride[], which: 'key' | 'value'): string {
  const key = path.map(String);
  for (let i = sets.length - 1; i >= 0; i--) {
    const setPath = sets[i]!.path.map(String);
    if (setPath.length <= key.length && setPath.every((s, j) => s === key[j])) return `--set:${sets[i]!.raw}`;
  }
  let best: { where: string; depth: number } | undefined;
  for (let i = layers.length - 1; i >= 0; i--) {
    const source = layers[i]!.source;
    const found = locate(source, path, which);
    const where = `${source.file}:${found.position.line}:${found.position.col}`;
    if (found.exact) return where;
    if (!best || found.depth > best.depth) best = { where, depth: found.depth };
  }
  return best!.where;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment as string];
  }
  return node;
}

/** Valid keys at an object path; grid activations also accept their own options. */
function validKeys(path: readonly PropertyKey[], input: unknown): string[] | undefined {
  if (path.length === 3 && path[0] === 'grid' && path[1] === 'activation') {
    const name = valueAt(input, [...path, 'name']);
    try {
      const optionKeys = typeof name === 'string' ? (objectKeysAt(activationOptionsSchema(name), []) ?? []) : [];
      return ['name', 'label', ...optionKeys];
    } catch {
      return undefined;
    }
  }
  return objectKeysAt(SweepConfigSchema, path, input);
}

/** Load and validate a sweep config. Throws ConfigError listing every problem. */
export function loadSweepConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const layers = readChain(file, file, [], problems);
  const sets: SetOverride[] = [];
  for (const raw of typeof options.set === 'string' ? [options.set] : (options.set ?? [])) {
    const parsed = parseSet(raw);
    if (typeof parsed === 'string') problems.push({ where: `--set:${raw}`, path: raw.split('=')[0] ?? '', message: parsed });
    else sets.push(parsed);
  }
  if (!layers) throw new ConfigError(file, problems);

  const top = layers[layers.length - 1]!.value;
  let input: Plain = {};
  for (const layer of layers) {
    const { extends: _resolved, ...rest } = layer.value;
    input = deepMerge(input, rest) as Plain;
  }
  if (top.extends !== undefined) input = { extends: top.extends, ...input };
  for (const set of sets) {
    const problem = applySet(input, set);
    if (problem) problems.push({ where: `--set:${set.raw}`, path: set.path.join('.'), message: problem });
  }

  const parsed = SweepConfigSchema.safeParse(input);
  if (parsed.success && problems.length === 0) {
    return { file, files: layers.map((l) => l.source.file), config: parsed.data, input };
  }
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const valid = validKeys(issue.path, input);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({ where: whereOf(path, layers, sets, 'key'), path: dottedPath(path), message: unknownKeyMessage(key, valid) });
      }
    } else {
      problems.push({
        where: whereOf(issue.path, layers, sets, issue.code === 'invalid_key' ? 'key' : 'value'),
        path: dottedPath(issue.path),
        message: issueMessage(issue, valueAt(input, issue.path)),
      });
    }
  }
  throw new ConfigError(file, sortProblems(problems, layers));
}

/**
 * Validate a config built in memory (`ash train`'s one-job sweep) with the same schema and messages as a file;
 * `where(path)` names what set each field (a command-line flag). Throws ConfigError listing every problem.
 */
export function parseSweepInput(input: Plain, shownAs: string, where: (path: string) => string): SweepConfig {
  const parsed = SweepConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems: ConfigProblem[] = [];
  for (const issue of parsed.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    for (const path of keys) {
      problems.push({ where: where(dottedPath(path)), path: dottedPath(path), message: issueMessage(issue, valueAt(input, path)) });
    }
  }
  throw new ConfigError(shownAs, problems);
}

/** Files in chain order (base first), then by line and column; --set problems last. */
function sortProblems(problems: ConfigProblem[], layers: Layer[]): ConfigProblem[] {
  const order = layers.map((l) => l.source.file);
  const key = (p: ConfigProblem): [number, number, number] => {
    const m = /^(.*):(\d+):(\d+)$/.exec(p.where);
    if (!m || p.where.startsWith('--set:')) return [p.where.startsWith('--set:') ? order.length + 1 : -1, 0, 0];
    return [order.indexOf(m[1]!), Number(m[2]), Number(m[3])];
  };
  return problems
    .map((p, i) => ({ p, i, k: key(p) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.k[2] - b.k[2] || a.i - b.i)
    .map((x) => x.p);
}
