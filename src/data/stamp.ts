// The `.NAME.unpacked` stamp a download leaves next to each archive: the SHA-256 it was verified with,
// and the archive's size and modification time then. A later run trusts the archive only while size
// and time are unchanged; otherwise it hashes it again. Stamps of older versions hold only the sum.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

export interface UnpackedStamp {
  sha256: string;
  size?: number;
  mtimeMs?: number;
}

export function readStamp(path: string): UnpackedStamp | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8').trim();
  if (/^[0-9a-f]{64}$/.test(text)) return { sha256: text };
  try {
    const value = JSON.parse(text) as UnpackedStamp;
    return typeof value.sha256 === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Record that `archive` (as it is on disk now) was verified to have `sha256`. */
export async function writeStamp(path: string, sha256: string, archive: string): Promise<void> {
  const stamp: UnpackedStamp = { sha256 };
  if (existsSync(archive)) {
    const st = statSync(archive);
    stamp.size = st.size;
    stamp.mtimeMs = st.mtimeMs;
  }
  await writeFile(path, `${JSON.stringify(stamp)}\n`);
}

/** Whether `archive` still has the size and modification time the stamp recorded. */
export function unchangedSince(stamp: UnpackedStamp, archive: string): boolean {
  const st = statSync(archive);
  return stamp.size === st.size && stamp.mtimeMs === st.mtimeMs;
}
