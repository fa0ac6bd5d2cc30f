// `ash datasets download`: fetch each archive of a manifest into ROOT (resuming a partial download with an
// HTTP Range request), check its size and SHA-256, and only then unpack it. A file whose sum is wrong is
// renamed to NAME.rejected and never unpacked or used.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import { UserError } from '../engine/errors.js';
import { archiveFile, type Archive, type Manifest } from './manifest.js';
import { readStamp, unchangedSince, writeStamp } from './stamp.js';

export interface DownloadOptions {
  /** Keep the verified archives after unpacking (default true: a re-run then needs no network). */
  keepArchives?: boolean;
  /** Download archives whose manifest gives no SHA-256 (their computed sum is logged). */
  allowUnverified?: boolean;
  /** Tries per URL; each retry resumes where the connection dropped. */
  attempts?: number;
  retryDelayMs?: number;
  log?: (message: string) => void;
}

export interface ArchiveOutcome {
  file: string;
  sha256: string;
  /** 'present': already downloaded and verified; 'downloaded': fetched whole; 'resumed': a partial file was completed. */
  status: 'present' | 'downloaded' | 'resumed';
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

/** One HTTP request that appends to `part` from its current size; resumedFrom is 0 when the file was (re)started. */
async function fetchInto(url: string, part: string): Promise<{ resumedFrom: number }> {
  const have = sizeOf(part);
  const response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, redirect: 'follow' });
  if (response.status === 416 && have > 0) {
    await response.body?.cancel();
    return { resumedFrom: have };
  }
  if (!response.ok || !response.body) throw new UserError(`${url}: HTTP ${response.status} ${response.statusText}`);
  let append = false;
  if (response.status === 206) {
    const start = Number(/bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
    if (start !== have) {
      await response.body.cancel();
      throw new UserError(`${url}: asked for bytes from ${have}, the server answered with Content-Range '${response.headers.get('content-range')}'`);
    }
    append = true;
  }
  // A 200 to a Range request means the server ignores ranges: start over. Each chunk is written before
  // the next is read, so when the connection drops every byte received is on disk for the resume.
  const handle = await open(part, append ? 'a' : 'w');
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) await handle.write(chunk);
  } finally {
    await handle.close();
  }
  return { resumedFrom: append ? have : 0 };
}

/** Download `url` to `part` with retries that resume; resolves when the server has sent everything. */
async function downloadWithResume(urls: string[], part: string, expectedBytes: number | undefined, options: Required<Pick<DownloadOptions, 'attempts' | 'retryDelayMs' | 'log'>>): Promise<boolean> {
  let resumed = sizeOf(part) > 0;
  const failures: string[] = [];
  for (const url of urls) {
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      try {
        const before = sizeOf(part);
        if (before > 0) options.log(`resuming ${url} from byte ${before}`);
        else options.log(`downloading ${url}`);
        const { resumedFrom } = await fetchInto(url, part);
        if (resumedFrom > 0) resumed = true;
        const size = sizeOf(part);
        if (expectedBytes === undefined || size >= expectedBytes) return resumed;
        throw new Error(`the server closed the connection at byte ${size} of ${expectedBytes}`);
      } catch (err) {
        if (err instanceof UserError) throw err;
        const reason = (err as Error).cause instanceof Error ? `${(err as Error).message}: ${((err as Error).cause as Error).message}` : (err as Error).message;
        failures.push(`${url} (try ${attempt}): ${reason}`);
        options.log(`  interrupted at byte ${sizeOf(part)}: ${reason}`);
        if (attempt < options.attempts) await new Promise((r) => setTimeout(r, options.retryDelayMs * attempt));
      }
    }
  }
  throw new UserError(`could not download ${part.replace(/\.part$/, '')}; the partial file is kept and a re-run resumes it:\n  ${failures.join('\n  ')}`);
}

/** The last non-empty line of a failed tool's output, for a one-line error. */
function lastLine(text: unknown): string {
  return String(text ?? '').trim().split('\n').filter(Boolean).pop() ?? '';
}

async function unpack(archive: Archive, file: string, root: string): Promise<void> {
  try {
    await unpackWith(archive, file, root);
  } catch (err) {
    const e = err as { code?: string; stderr?: unknown; shortMessage?: string; message: string };
    const tool = archive.unpack === 'zip' ? 'unzip' : archive.unpack === 'gz' ? 'gunzip' : 'tar';
    const why = e.code === 'ENOENT' && e.stderr === undefined ? `${tool} is not installed` : lastLine(e.stderr) || lastLine(e.shortMessage ?? e.message);
    throw new UserError(`${file}: ${tool} could not unpack it (${why}); delete the file to download it again`);
  }
}

async function unpackWith(archive: Archive, file: string, root: string): Promise<void> {
  switch (archive.unpack) {
    case 'tar':
    case 'tar.gz':
      // GNU tar detects the compression itself.
      await execa('tar', ['-xf', file, '-C', root]);
      return;
    case 'zip':
      // Node has no zip reader; Info-ZIP's unzip is on the machine images this project uses.
      await execa('unzip', ['-q', '-o', file, '-d', root]);
      return;
    case 'gz':
      await pipeline(createReadStream(file), createGunzip(), createWriteStream(file.replace(/\.gz$/, '')));
      return;
    case 'none':
      return;
  }
}

async function fetchArchive(archive: Archive, root: string, options: DownloadOptions, log: (m: string) => void): Promise<ArchiveOutcome> {
  const name = archiveFile(archive);
  const target = join(root, name);
  const part = `${target}.part`;
  const known = archive.sha256 === 'unknown' ? undefined : archive.sha256;
  if (!known && !options.allowUnverified) {
    throw new UserError(`${name}: the manifest gives no SHA-256 (${archive.note}); pass --allow-unverified to download it anyway`);
  }
  let status: ArchiveOutcome['status'] = 'present';
  // An archive shorter than published (truncated since) is completed like a partial download.
  if (existsSync(target) && archive.bytes !== undefined && sizeOf(target) < archive.bytes && !existsSync(part)) {
    log(`${name}: ${sizeOf(target)} bytes of ${archive.bytes}; fetching the rest`);
    await rename(target, part);
  }
  if (!existsSync(target)) {
    const resumed = await downloadWithResume([archive.url, ...archive.mirrors], part, archive.bytes, {
      attempts: options.attempts ?? 3,
      retryDelayMs: options.retryDelayMs ?? 2000,
      log,
    });
    status = resumed ? 'resumed' : 'downloaded';
  }
  const file = existsSync(target) ? target : part;
  const size = sizeOf(file);
  const actual = await sha256File(file);
  const wrongSize = archive.bytes !== undefined && size !== archive.bytes;
  if ((known && actual !== known) || wrongSize) {
    const rejected = `${target}.rejected`;
    await rename(file, rejected);
    throw new UserError(
      `${name}: ${wrongSize ? `${size} bytes, expected ${archive.bytes}; ` : ''}SHA-256 ${actual}, expected ${known ?? '(unknown)'}. ` +
        `The file was moved to ${rejected} and not unpacked; delete it to download again.`,
    );
  }
  if (file === part) await rename(part, target);
  if (!known) log(`${name}: not verified (no published SHA-256); its SHA-256 is ${actual}`);
  return { file: target, sha256: actual, status };
}

/** Download, verify and unpack every archive of `manifest` into `root`, then check the expected layout. */
export async function downloadDataset(manifest: Manifest, root: string, options: DownloadOptions = {}): Promise<ArchiveOutcome[]> {
  const log = options.log ?? (() => undefined);
  await mkdir(root, { recursive: true });
  const outcomes: ArchiveOutcome[] = [];
  for (const archive of manifest.archives) {
    const name = archiveFile(archive);
    const stamp = join(root, `.${name}.unpacked`);
    const target = join(root, name);
    const stamped = readStamp(stamp);
    // An archive unpacked before is done, as long as it was the same file and, when it is still here,
    // it has not changed since (same size and time; otherwise fetchArchive hashes it again).
    if (stamped && archive.sha256 !== 'unknown' && stamped.sha256 === archive.sha256 && (!existsSync(target) || unchangedSince(stamped, target))) {
      log(`${name}: already unpacked`);
      outcomes.push({ file: target, sha256: archive.sha256, status: 'present' });
      continue;
    }
    const outcome = await fetchArchive(archive, root, options, log);
    // The same verified file as the stamp says, only touched: nothing to unpack again.
    if (stamped && stamped.sha256 === outcome.sha256 && outcome.status === 'present') {
      await writeStamp(stamp, outcome.sha256, outcome.file);
      outcomes.push(outcome);
      continue;
    }
    log(`${name}: SHA-256 verified${archive.unpack === 'none' ? '' : ', unpacking'}`);
    await unpack(archive, outcome.file, root);
    await writeStamp(stamp, outcome.sha256, outcome.file);
    if (options.keepArchives === false && archive.unpack !== 'none') await rm(outcome.file);
    outcomes.push(outcome);
  }
  const missing = manifest.layout.filter((p) => !existsSync(join(root, p)));
  if (missing.length > 0) {
    throw new UserError(`${manifest.name}: after unpacking, ${root} lacks ${missing.join(', ')} (the layout ${manifest.file} expects)`);
  }
  return outcomes;
}
