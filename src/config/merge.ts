// How config layers combine: a file over the file it extends, then `--set` values over both.
import YAML from 'yaml';

export type Plain = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `over` on top of `base`: mappings merge key by key, anything else (lists included) replaces. A null
 * in `over` removes the key, so a derived config can drop a base setting (`trainLimit: null`).
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else out[key] = key in base ? deepMerge(base[key], value) : value;
  }
  return out;
}

/** One `--set key.path=value`, parsed. */
export interface SetOverride {
  /** The argument as given, for messages. */
  raw: string;
  path: (string | number)[];
  value: unknown;
}

/** Keys that reach an object's prototype when assigned: never config fields, refused wherever they appear. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The first forbidden key anywhere in `value` (walked without recursion), or undefined. */
function forbiddenKeyIn(value: unknown): string | undefined {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) return key;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return undefined;
}

/** Parse `key.path=value`; the value is read as YAML (`5` is a number, `[1, 2]` a list, `relu` a string). */
export function parseSet(raw: string): SetOverride | string {
  const eq = raw.indexOf('=');
  if (eq <= 0) return `expected key.path=value, e.g. train.epochs=3`;
  const key = raw.slice(0, eq).trim();
  const segments = key.split('.');
  if (segments.some((s) => s === '')) return `'${key}' has an empty path segment (expected key.path=value, e.g. train.epochs=3)`;
  const forbidden = segments.find((s) => FORBIDDEN_KEYS.has(s));
  if (forbidden !== undefined) return `'${forbidden}' is not allowed in a key path (it is no config field)`;
  let value: unknown;
  try {
    value = YAML.parse(raw.slice(eq + 1));
  } catch (err) {
    return `the value is not valid YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  const inValue = forbiddenKeyIn(value);
  if (inValue !== undefined) return `the key '${inValue}' is not allowed in a value (it is no config field)`;
  // A numeric segment indexes a list (grid.activation.2.k=0.3); keys are otherwise strings.
  return { raw, path: segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), value: value ?? null };
}

/** Why `segment` cannot index the list `list` (a negative, non-numeric or past-the-end index), or undefined. */
function badListIndex(list: unknown[], segment: string | number, at: string): string | undefined {
  if (typeof segment === 'number' && segment <= list.length) return undefined;
  return `'${segment}' is not a list index for ${at}, a list of ${list.length} (expected 0..${list.length - 1} to replace an entry, ${list.length} to append one)`;
}

/**
 * Set `path` in `target` (mutating), creating mappings on the way. A null value removes the key.
 * Returns why the path cannot be set (a bad list index), or undefined when it was set.
 */
export function applySet(target: Plain, set: SetOverride): string | undefined {
  let node: unknown = target;
  for (let i = 0; i < set.path.length; i++) {
    if (Array.isArray(node)) {
      const problem = badListIndex(node, set.path[i]!, set.path.slice(0, i).join('.'));
      if (problem) return problem;
    }
    if (i === set.path.length - 1) break;
    const segment = set.path[i]!;
    const container = node as Record<string | number, unknown>;
    const next = container[segment];
    if (!isPlainObject(next) && !Array.isArray(next)) container[segment] = {};
    node = container[segment];
  }
  const last = set.path[set.path.length - 1]!;
  const container = node as Record<string | number, unknown>;
  if (set.value === null && !Array.isArray(container)) delete container[last];
  else container[last] = set.value;
  return undefined;
}
