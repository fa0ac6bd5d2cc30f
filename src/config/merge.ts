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

/** Parse `key.path=value`; the value is read as YAML (`5` is a number, `[1, 2]` a list, `relu` a string). */
export function parseSet(raw: string): SetOverride | string {
  const eq = raw.indexOf('=');
  if (eq <= 0) return `expected key.path=value, e.g. train.epochs=3`;
  const key = raw.slice(0, eq).trim();
  const segments = key.split('.');
  if (segments.some((s) => s === '')) return `'${key}' has an empty path segment (expected key.path=value, e.g. train.epochs=3)`;
  let value: unknown;
  try {
    value = YAML.parse(raw.slice(eq + 1));
  } catch (err) {
    return `the value is not valid YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  // A numeric segment indexes a list (grid.activation.2.k=0.3); keys are otherwise strings.
  return { raw, path: segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), value: value ?? null };
}

/** Set `path` in `target` (mutating), creating mappings on the way. A null value removes the key. */
export function applySet(target: Plain, set: SetOverride): void {
  let node: unknown = target;
  for (let i = 0; i < set.path.length - 1; i++) {
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
}
