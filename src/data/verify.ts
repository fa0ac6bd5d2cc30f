// `ash datasets verify`: hash every archive of a manifest under ROOT again and say, file by file, whether
// it is the published one. Nothing is downloaded, moved or unpacked.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { sha256File } from './download.js';
import { archiveFile, type Manifest } from './manifest.js';
import { readStamp } from './stamp.js';

export interface ArchiveCheck {
  file: string;
  /** ok: the published size and sum; bad: another file, or missing; removed: unpacked, archive deleted since (not checkable). */
  status: 'ok' | 'bad' | 'removed';
  detail: string;
}

export async function verifyDataset(manifest: Manifest, root: string): Promise<ArchiveCheck[]> {
  if (!existsSync(root)) throw new UserError(`${root}: no such directory (pass --root, the directory given to \`ash datasets download\`)`);
  const checks: ArchiveCheck[] = [];
  for (const archive of manifest.archives) {
    const file = join(root, archiveFile(archive));
    if (!existsSync(file)) {
      const stamped = readStamp(join(root, `.${archiveFile(archive)}.unpacked`));
      checks.push(
        stamped && stamped.sha256 === archive.sha256
          ? { file, status: 'removed', detail: 'unpacked, then the archive was removed; nothing left to check' }
          : { file, status: 'bad', detail: 'missing' },
      );
      continue;
    }
    const size = statSync(file).size;
    if (archive.bytes !== undefined && size !== archive.bytes) {
      checks.push({ file, status: 'bad', detail: `${size} bytes, expected ${archive.bytes}` });
      continue;
    }
    const actual = await sha256File(file);
    if (archive.sha256 === 'unknown') checks.push({ file, status: 'ok', detail: `no published SHA-256; its SHA-256 is ${actual}` });
    else if (actual !== archive.sha256) checks.push({ file, status: 'bad', detail: `SHA-256 ${actual}, expected ${archive.sha256}` });
    else checks.push({ file, status: 'ok', detail: `SHA-256 ${actual}` });
  }
  for (const path of manifest.layout) {
    if (!existsSync(join(root, path))) checks.push({ file: join(root, path), status: 'bad', detail: `missing (the layout ${manifest.file} expects)` });
  }
  return checks;
}
