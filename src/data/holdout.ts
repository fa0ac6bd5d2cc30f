// A seeded, class-stratified hold-out split, for datasets whose release has no labelled evaluation split:
// from each class, the same fraction of examples (at least one when the class has two or more) is held out.
import { Rng } from '../engine/random.js';

/** Indices (ascending) of the held-out examples. */
export function holdOutIndices(labels: ArrayLike<number>, fraction: number, seed: number): Int32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]!) ?? [];
    list.push(i);
    byClass.set(labels[i]!, list);
  }
  const rng = new Rng(seed).fork('holdout');
  const held: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    const take = members.length < 2 ? 0 : Math.max(1, Math.round(members.length * fraction));
    const order = rng.permutation(members.length);
    for (let k = 0; k < take; k++) held.push(members[order[k]!]!);
  }
  return Int32Array.from(held.sort((a, b) => a - b));
}
