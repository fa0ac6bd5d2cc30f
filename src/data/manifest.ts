// datasets/<name>.yaml: where a dataset's archives come from, their SHA-256 sums, how to unpack them and
// which files must exist afterwards. The schema is the single source of truth for the format.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../engine/errors.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 sum: 64 lowercase hex digits');

export const ArchiveSchema = z
  .strictObject({
    url: z.url(),
    /** Other URLs serving the same bytes, tried in order when the first fails. */
    mirrors: z.array(z.url()).default([]),
    /** File name under the root; defaults to the URL's last path segment. */
    file: z.string().regex(/^[^/\\]+$/, 'a plain file name').optional(),
    bytes: z.number().int().positive().optional(),
    /** The published SHA-256, or 'unknown' with a note saying why none is given. */
    sha256: z.union([Sha256, z.literal('unknown')]),
    sha256Source: z.string().optional(),
    note: z.string().optional(),
    unpack: z.enum(['tar', 'tar.gz', 'zip', 'gz', 'none']),
  })
  .refine((a) => a.sha256 !== 'unknown' || a.note !== undefined, { message: "an archive with sha256: unknown needs a 'note' saying why", path: ['note'] });

export const ManifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
  description: z.string(),
  homepage: z.url().optional(),
  license: z.string().optional(),
  archives: z.array(ArchiveSchema).min(1),
  /** Paths (relative to the root) that must exist after unpacking. */
  layout: z.array(z.string()).default([]),
});

export type Archive = z.infer<typeof ArchiveSchema>;
export type Manifest = z.infer<typeof ManifestSchema> & { file: string };

/** datasets/ of this package (next to src/ and dist/). */
export function manifestDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'datasets');
}

export function archiveFile(archive: Archive): string {
  return archive.file ?? basename(new URL(archive.url).pathname);
}

/** Parse manifest text; `file` names the file in errors, which also give the field. */
export function parseManifest(text: string, file: string): Manifest {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new UserError(`${file}: invalid dataset manifest:\n  ${problems.join('\n  ')}`);
  }
  return { ...parsed.data, file };
}

/** A manifest by dataset name (datasets/<name>.yaml) or by path. */
export async function loadManifest(nameOrPath: string): Promise<Manifest> {
  const byPath = /[/\\]|\.ya?ml$/.test(nameOrPath);
  const file = byPath ? nameOrPath : join(manifestDir(), `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    throw new UserError(byPath ? `${file}: no such manifest file` : `no manifest for dataset '${nameOrPath}' (looked for ${file}); datasets with manifests: ${(await manifestNames()).join(', ')}`);
  }
  return parseManifest(await readFile(file, 'utf8'), file);
}

export async function manifestNames(): Promise<string[]> {
  if (!existsSync(manifestDir())) return [];
  return (await readdir(manifestDir())).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}
