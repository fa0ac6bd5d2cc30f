import { UserError } from '../contract/user-error.js';

export { UserError };

/**
 * Edit distance ignoring case (so 'reLU' is 'relu'): insertions, deletions, substitutions and swaps of
 * two neighbours (optimal string alignment), since 'wsam' for 'wasm' is one slip of the fingers, not two.
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

/**
 * The valid name a mistyped one most likely meant: one having it as a whole dash-separated part
 * ('gpu' -> 'tensorflow-gpu'), else the closest within a third of the candidate's length in edits (at
 * least 1), so 'rleu' finds 'relu' but 'vgg' finds nothing. Ties go to the name listed first.
 */
export function closestName(name: string, valid: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const part = valid.find((candidate) => candidate.toLowerCase() !== lower && candidate.toLowerCase().split('-').includes(lower));
  if (part !== undefined) return part;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = editDistance(name, candidate);
    if (d <= Math.max(1, Math.floor(candidate.length / 3)) && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** "; did you mean 'x'?" for a close valid name, else ''. */
export function didYouMean(name: string, valid: readonly string[]): string {
  const close = closestName(name, valid);
  return close === undefined ? '' : `; did you mean '${close}'?`;
}

/** "Unknown X 'y'. Valid: a, b, c" with the valid names sorted, the shape every registry uses, and a suggestion for a typo. */
export function unknownName(kind: string, name: string, valid: readonly string[]): UserError {
  return new UserError(`unknown ${kind} '${name}'. Valid ${kind}s: ${[...valid].sort().join(', ')}${didYouMean(name, valid)}`);
}
