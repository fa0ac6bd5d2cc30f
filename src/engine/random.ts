// A small seeded PRNG (sfc32, seeded through splitmix32) for shuffling, augmentation and initialiser seeds.
// Math.random is never used where results must be reproducible. Seeds are 32-bit: a larger one is
// refused rather than wrapped, which would make seed 2^32+7 silently the same run as seed 7.
import { UserError } from './errors.js';

export const MAX_RNG_SEED = 2 ** 32 - 1;

/** A stream's whole state (sfc32's four 32-bit words, unsigned), so a checkpoint can continue it draw for draw. */
export type RngState = readonly [number, number, number, number];

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_RNG_SEED) throw new UserError(`seed ${seed}: expected an integer in 0..${MAX_RNG_SEED}`);
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** The state to continue this stream from (see restoreState); reading it draws nothing. */
  getState(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  /** Continue from a state that getState returned: the next draws are those the saved stream would have made. */
  restoreState(state: RngState): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= MAX_RNG_SEED)) {
      throw new UserError(`random stream state ${JSON.stringify(state)}: expected four unsigned 32-bit integers`);
    }
    // The generator keeps its words as signed 32-bit values (| 0); the arithmetic is the same either way.
    [this.a, this.b, this.c, this.d] = state.map((w) => w | 0) as [number, number, number, number];
  }

  /** An independent stream for a named purpose, so adding draws to one purpose never shifts another. */
  fork(purpose: string): Rng {
    let h = 2166136261;
    for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 16777619);
    return new Rng((this.nextUint32() ^ h) >>> 0);
  }
}
