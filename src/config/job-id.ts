// Canonical JSON and content-hashed job ids: two specs that mean the same get the same id, whatever
// order their keys were written in.
import { createHash } from 'node:crypto';
import { assertJsonDepth } from '../engine/json-depth.js';

/** A copy with object keys sorted at every depth and undefined values dropped; a value nested too deep to walk is a UserError. */
export function canonicalize(value: unknown): unknown {
  assertJsonDepth(value);
  return sortKeys(value);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** Lowercase letters, digits, '.' and '-' only: safe in a directory name on every OS. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x'
  );
}

/** First 12 hex digits of the sha256 of the canonical JSON. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 12);
}
