// The decoded-tensor cache: one directory per (dataset, split, transform, source fingerprint) holding the
// decoded uint8 HWC images and int32 labels as raw files, so a second job on the same data skips decoding.
// Entries are written to a temporary directory and renamed into place, so a crash or two jobs racing
// never leave a half-written entry that a later job would trust.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mapLimit } from './map-limit.js';

const FORMAT_VERSION = 1;

export interface CacheKey {
  dataset: string;
  split: string;
  /** Whatever changes the decoded pixels (size, crop, kernel...). */
  transform: Record<string, unknown>;
  /** Fingerprint of the source files (see fingerprintFiles). */
  sources: string;
}

interface CacheMeta {
  version: number;
  key: CacheKey;
  count: number;
  shape: [number, number, number];
}

/** The cache root: an explicit directory, $ASH_CACHE_DIR, or .cache/ash-bench under the working directory; undefined when disabled. */
export function cacheRoot(option?: string | false): string | undefined {
  if (option === false) return undefined;
  return resolve(option ?? process.env.ASH_CACHE_DIR ?? '.cache/ash-bench');
}

function keyHash(key: CacheKey): string {
  return createHash('sha256').update(JSON.stringify([FORMAT_VERSION, key.dataset, key.split, sortKeys(key.transform), key.sources])).digest('hex').slice(0, 24);
}

function sortKeys(o: Record<string, unknown>): [string, unknown][] {
  return Object.keys(o).sort().map((k) => [k, o[k]]);
}

export function cacheEntryDir(root: string, key: CacheKey): string {
  return join(root, key.dataset.replace(/[^A-Za-z0-9_.-]/g, '_'), `${key.split.replace(/[^A-Za-z0-9_.-]/g, '_')}-${keyHash(key)}`);
}

/**
 * A hash of the files' paths, sizes and modification times (not their bytes: reading every JPEG of an
 * ImageNet copy would take minutes, which is what the cache is there to avoid). Any added, removed,
 * replaced or edited file changes it; `extra` folds in labels or anything else that selects the data.
 */
export async function fingerprintFiles(files: readonly string[], extra = ''): Promise<string> {
  const hash = createHash('sha256');
  hash.update(extra);
  const stats = await mapLimit(files, 64, (f) => stat(f));
  files.forEach((f, i) => hash.update(`\0${f}\0${stats[i]!.size}\0${stats[i]!.mtimeMs}`));
  return hash.digest('hex');
}

export interface CachedSplit {
  count: number;
  shape: [number, number, number];
  images: Uint8Array;
  labels: Int32Array;
}

/** The whole entry, or undefined on a miss (or an entry whose files do not match its metadata). */
export async function readCache(root: string, key: CacheKey): Promise<CachedSplit | undefined> {
  const dir = cacheEntryDir(root, key);
  const meta = await readMeta(dir, key);
  if (!meta) return undefined;
  const [images, labelBytes] = await Promise.all([readFile(join(dir, 'images.u8')), readFile(join(dir, 'labels.i32'))]);
  const pixels = meta.shape[0] * meta.shape[1] * meta.shape[2];
  if (images.length !== meta.count * pixels || labelBytes.length !== meta.count * 4) return undefined;
  const labels = new Int32Array(labelBytes.buffer.slice(labelBytes.byteOffset, labelBytes.byteOffset + labelBytes.length));
  return { count: meta.count, shape: meta.shape, images: new Uint8Array(images.buffer, images.byteOffset, images.length), labels };
}

/** Random access to an entry without reading it whole, for data too large to hold in memory. */
export interface CacheReader {
  count: number;
  shape: [number, number, number];
  labels: Int32Array;
  /** Images start..start+count-1 as one HWC block. */
  readImages(start: number, count: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function openCache(root: string, key: CacheKey): Promise<CacheReader | undefined> {
  const dir = cacheEntryDir(root, key);
  const meta = await readMeta(dir, key);
  if (!meta) return undefined;
  const labelBytes = await readFile(join(dir, 'labels.i32'));
  const labels = new Int32Array(labelBytes.buffer.slice(labelBytes.byteOffset, labelBytes.byteOffset + labelBytes.length));
  const pixels = meta.shape[0] * meta.shape[1] * meta.shape[2];
  const handle = await open(join(dir, 'images.u8'), 'r');
  return {
    count: meta.count,
    shape: meta.shape,
    labels,
    async readImages(start, count) {
      if (start < 0 || count < 0 || start + count > meta.count) throw new RangeError(`images ${start}..${start + count - 1} outside 0..${meta.count - 1}`);
      const out = new Uint8Array(count * pixels);
      await handle.read(out, 0, out.length, start * pixels);
      return out;
    },
    close: () => handle.close(),
  };
}

async function readMeta(dir: string, key: CacheKey): Promise<CacheMeta | undefined> {
  const file = join(dir, 'meta.json');
  if (!existsSync(file)) return undefined;
  try {
    const meta = JSON.parse(await readFile(file, 'utf8')) as CacheMeta;
    // The directory name is a hash; compare the full key so a collision can never serve wrong data.
    if (meta.version !== FORMAT_VERSION || JSON.stringify(meta.key) !== JSON.stringify(key)) return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

/** Streams decoded images into a new entry; `commit` makes it visible, `abort` removes it. */
export class CacheWriter {
  private count = 0;
  private constructor(
    private readonly root: string,
    private readonly key: CacheKey,
    private readonly shape: [number, number, number],
    private readonly tmpDir: string,
    private readonly images: FileHandle,
    private readonly labels: FileHandle,
  ) {}

  static async create(root: string, key: CacheKey, shape: [number, number, number]): Promise<CacheWriter> {
    const final = cacheEntryDir(root, key);
    const tmpDir = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await mkdir(tmpDir, { recursive: true });
    const images = await open(join(tmpDir, 'images.u8'), 'w');
    const labels = await open(join(tmpDir, 'labels.i32'), 'w');
    return new CacheWriter(root, key, shape, tmpDir, images, labels);
  }

  async append(images: Uint8Array, labels: Int32Array): Promise<void> {
    const pixels = this.shape[0] * this.shape[1] * this.shape[2];
    if (images.length !== labels.length * pixels) throw new Error(`cache append: ${images.length} image bytes for ${labels.length} labels of ${pixels} pixels`);
    await this.images.write(images);
    await this.labels.write(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
    this.count += labels.length;
  }

  async commit(): Promise<void> {
    await Promise.all([this.images.close(), this.labels.close()]);
    const meta: CacheMeta = { version: FORMAT_VERSION, key: this.key, count: this.count, shape: this.shape };
    await writeFile(join(this.tmpDir, 'meta.json'), `${JSON.stringify(meta)}\n`);
    const final = cacheEntryDir(this.root, this.key);
    try {
      await rename(this.tmpDir, final);
    } catch {
      // Another job committed the same entry first: its copy is as good as ours.
      await rm(this.tmpDir, { recursive: true, force: true });
    }
  }

  async abort(): Promise<void> {
    await Promise.allSettled([this.images.close(), this.labels.close()]);
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}
