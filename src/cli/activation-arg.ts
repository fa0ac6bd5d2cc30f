import { parse as parseYamlScalar } from 'yaml';
import { UserError } from '../engine/errors.js';
import type { ActivationSpec } from '../contract/spec.js';

/**
 * Parse `name` or `name:key=value,key=value` (values as YAML scalars: numbers, booleans, strings)
 * into an activation spec, e.g. `ash:k=0.1,trainAlpha=false`.
 */
export function parseActivationArg(text: string): ActivationSpec {
  const [name, rest] = text.split(/:(.*)/s, 2) as [string, string | undefined];
  const spec: ActivationSpec = { name: name.trim() };
  if (rest === undefined || rest.trim() === '') return spec;
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UserError(`--activation '${text}': option '${part}' is not key=value`);
    spec[part.slice(0, eq).trim()] = parseYamlScalar(part.slice(eq + 1).trim()) as unknown;
  }
  return spec;
}
