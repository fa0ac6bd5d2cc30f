// Config problems: one per line, `WHERE  path.to.field  what is wrong (what was expected)`, where WHERE
// is FILE:LINE:COL (or `--set:key=value`, the command-line argument that introduced the value). The
// path never holds spaces ((root) for the whole file), so the lines split on two spaces.
import type * as z from 'zod';
import { closestName, didYouMean, UserError } from '../engine/errors.js';

export interface ConfigProblem {
  /** FILE:LINE:COL, or `--set:key=value` for a value given on the command line. */
  where: string;
  /** Dotted path of the field; empty for the whole file. */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.where}  ${p.path || '(root)'}  ${p.message}`;
}

/** A config that cannot be used. The message lists every problem, one per line. */
export class ConfigError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** A short description of a value as the user wrote it: `"abc"` (a string), `5` (a number), a list... */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

const NOUNS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (name: settings)',
  literal: 'a fixed value',
};

function expectedText(issue: z.core.$ZodIssue, zodDefault: RegExp): string {
  // Our own schema messages already read "expected ..."; zod's defaults are rephrased.
  return zodDefault.test(issue.message) ? '' : issue.message;
}

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, value: unknown): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const custom = expectedText(issue, /^Too (small|big)/);
  if (issue.origin === 'array') {
    const n = Array.isArray(value) ? value.length : 0;
    const what = n === 0 ? 'the list is empty' : `the list has ${n} item${n === 1 ? '' : 's'}`;
    return `${what} (${custom || `expected ${small ? 'at least' : 'at most'} ${limit}`})`;
  }
  if (issue.origin === 'string') return `the string is too ${small ? 'short' : 'long'} (${custom || `expected ${small ? 'at least' : 'at most'} ${limit} characters`})`;
  const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `${String(value)} is too ${small ? 'small' : 'large'} (${custom || `expected a value ${op} ${limit}`})`;
}

/**
 * What is wrong and what was expected, for one zod issue. `value` is what the user wrote at the
 * issue's path (undefined when missing).
 */
export function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const custom = expectedText(issue, /^Invalid input/);
      const expected = custom || `expected ${NOUNS[issue.expected] ?? issue.expected}`;
      if (value === undefined) return `missing (${expected})`;
      if (issue.expected === 'int' && typeof value === 'number') return `${value} is not a whole number (${expected})`;
      return `got ${describeValue(value)} (${expected})`;
    }
    case 'too_small':
    case 'too_big':
      return bound(issue, value);
    case 'invalid_value': {
      const options = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const expected = options.length === 1 ? `expected ${options[0]}` : `expected one of: ${options.join(', ')}`;
      // A mistyped enum value (backend: wsam) gets the same suggestion as a mistyped name.
      const hint = typeof value === 'string' ? didYouMean(value, options) : '';
      return `got ${describeValue(value)} (${expected}${hint})`;
    }
    case 'invalid_format':
      return `got ${describeValue(value)} (${expectedText(issue, /^Invalid/) || `expected a ${issue.format}`})`;
    case 'not_multiple_of':
      return `${String(value)} is not a multiple of ${issue.divisor} (expected a multiple of ${issue.divisor})`;
    case 'invalid_key':
      return issue.issues.map((i) => i.message).join('; ');
    case 'invalid_union':
      return `got ${describeValue(value)} (${issue.message})`;
    default:
      return issue.message;
  }
}

export function unknownKeyMessage(key: string, valid: readonly string[] | undefined): string {
  if (!valid || valid.length === 0) return `unknown key '${key}'`;
  const close = closestName(key, valid);
  const hint = close !== undefined ? `; did you mean '${close}'?` : '';
  return `unknown key '${key}' (expected one of: ${[...valid].sort().join(', ')}${hint})`;
}
