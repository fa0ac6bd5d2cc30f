// Where a result came from: the commit of the ash-bench checkout that produced it (when it is one).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let cached: string | null | undefined;

/** The git commit of this package's checkout, with "-dirty" when it has uncommitted changes; null when unknown. */
export function packageCommit(): string | null {
  if (cached !== undefined) return cached;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    const git = (args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    const commit = git(['rev-parse', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    cached = dirty ? `${commit}-dirty` : commit;
  } catch {
    cached = null;
  }
  return cached;
}
