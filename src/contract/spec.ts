// spec.json: everything that determines one run, written by config expansion (sweeps) and `ash train`, read by
// the job process, the planner and the report. One definition; the types are inferred from it.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { DataLimitsSchema, JobRecipeSchema } from './recipe.js';
import { TaskNameSchema } from './task-name.js';
import { assertJsonDepth } from './json-depth.js';
import { MAX_SEED } from './limits.js';

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** An activation by name plus its options, e.g. { name: 'ash', k: 0.5 } (the options are checked by the activation registry). */
export const ActivationSpecSchema = z.looseObject({ name: z.string().min(1) });
export type ActivationSpec = z.output<typeof ActivationSpecSchema>;

export const JobSpecSchema = z.strictObject({
  /** The sweep the job belongs to (for `ash train`, the name of the folder above --out). */
  sweep: z.string().min(1),
  /** Row label in reports (the activation's label, or its name). Display only: not part of the job's identity. */
  label: z.string().min(1),
  /** Older specs (result.json schema 1) have no task: they are classification runs. */
  task: TaskNameSchema.default('classification'),
  activation: ActivationSpecSchema,
  model: z.string().min(1),
  dataset: z.string().min(1),
  seed: z.int().min(0).max(MAX_SEED),
  backend: z.enum(BACKEND_CHOICES),
  train: JobRecipeSchema,
  data: DataLimitsSchema,
});
export type JobSpec = z.output<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;

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

/**
 * What decides a job's results: the spec without where it is shown and where its data lives. The label is a
 * row name, the sweep a folder, `data.dataDir` a location, and `data.stream` reads the same batches as memory
 * does (tested), so changing any of them re-runs nothing.
 */
export function jobIdentity(spec: JobSpec): unknown {
  const { sweep: _sweep, label: _label, data, ...rest } = spec;
  const { dataDir: _dataDir, stream: _stream, ...limits } = data;
  return canonicalize({ ...rest, data: limits });
}

/** First 12 hex digits of the sha256 of the identity's canonical JSON. */
export function identityHash(spec: JobSpec): string {
  return createHash('sha256').update(JSON.stringify(jobIdentity(spec))).digest('hex').slice(0, 12);
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

/**
 * `<label>-<model>-<dataset>-s<seed>-<identity hash>`: the folder a job is first run in. The planner finds a job's
 * folder by identity, not by this name, so a relabelled row keeps the folder it finished in.
 */
export function jobIdOf(spec: JobSpec): string {
  return [slug(spec.label), slug(spec.model), slug(spec.dataset), `s${spec.seed}`, identityHash(spec)].join('-');
}
