// Kendall's rank correlation: does our ranking of activations agree with the paper's?

/**
 * Kendall's tau-b (ties adjusted) between two paired lists. Returns null when it is undefined:
 * fewer than 2 pairs, or one list entirely tied (zero denominator).
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new RangeError(`kendallTauB: lists differ in length (${x.length} vs ${y.length})`);
  const n = x.length;
  let concordant = 0;
  let discordant = 0;
  let tiedXOnly = 0;
  let tiedYOnly = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiedXOnly++;
      else if (dy === 0) tiedYOnly++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  // Pairs tied in both lists count in neither factor of the denominator (tau-b definition).
  const denominator = Math.sqrt((concordant + discordant + tiedXOnly) * (concordant + discordant + tiedYOnly));
  if (denominator === 0) return null;
  return (concordant - discordant) / denominator;
}
