// Target assignment shared by the RPN and the box head: torchvision's Matcher and
// BalancedPositiveNegativeSampler (torchvision/models/detection/_utils.py), on plain arrays.
import type { Rng } from '../../engine/random.js';
import { iouMatrix } from './boxes.js';
import { boxCount } from './two-stage-boxes.js';

/** Matched to no GT: IoU below the low threshold (a negative). */
export const BELOW_LOW = -1;
/** IoU between the thresholds: ignored by the losses. */
export const BETWEEN = -2;

export interface MatchOptions {
  highThreshold: number;
  lowThreshold: number;
  /** Give every GT its best-overlapping predictions even below the high threshold (the RPN does, the box head does not). */
  allowLowQuality: boolean;
}

/**
 * For each of `boxes`, the index of its GT (argmax IoU, first on ties) or BELOW_LOW / BETWEEN.
 * With allowLowQuality, every box whose IoU with some GT equals that GT's best IoU keeps its argmax match
 * even when below the threshold (torchvision's set_low_quality_matches_, which restores the argmax match).
 */
export function matchBoxes(gt: ArrayLike<number>, boxes: ArrayLike<number>, options: MatchOptions): Int32Array {
  const n = boxCount(boxes);
  const g = boxCount(gt);
  const matches = new Int32Array(n).fill(BELOW_LOW);
  if (g === 0) return matches;
  const iou = iouMatrix(boxes, gt); // [n][g]
  const argmax = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestJ = 0;
    for (let j = 0; j < g; j++) {
      const v = iou[i * g + j]!;
      if (v > best) {
        best = v;
        bestJ = j;
      }
    }
    argmax[i] = bestJ;
    matches[i] = best >= options.highThreshold ? bestJ : best < options.lowThreshold ? BELOW_LOW : BETWEEN;
  }
  if (options.allowLowQuality) {
    for (let j = 0; j < g; j++) {
      let best = 0;
      for (let i = 0; i < n; i++) best = Math.max(best, iou[i * g + j]!);
      // A GT that no box overlaps at all is skipped: torchvision would match every zero-IoU box to its argmax.
      if (best === 0) continue;
      for (let i = 0; i < n; i++) if (iou[i * g + j] === best) matches[i] = argmax[i]!;
    }
  }
  return matches;
}

export interface Sampled {
  positive: Int32Array;
  negative: Int32Array;
}

/**
 * Up to `batchSize` indices per image with at most `positiveFraction` positives (matches >= 0) and the rest
 * negatives (BELOW_LOW), drawn uniformly without replacement (torch.randperm's role is played by `rng`).
 */
export function sampleBalanced(matches: Int32Array, batchSize: number, positiveFraction: number, rng: Rng): Sampled {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < matches.length; i++) {
    if (matches[i]! >= 0) pos.push(i);
    else if (matches[i] === BELOW_LOW) neg.push(i);
  }
  const numPos = Math.min(Math.floor(batchSize * positiveFraction), pos.length);
  const numNeg = Math.min(batchSize - numPos, neg.length);
  const pick = (from: number[], k: number): Int32Array => {
    const perm = rng.permutation(from.length);
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) out[i] = from[perm[i]!]!;
    return out.sort();
  };
  return { positive: pick(pos, numPos), negative: pick(neg, numNeg) };
}
