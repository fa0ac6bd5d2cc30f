// Classification metrics computed from log-probabilities already read back into JS.

export interface ClassificationTally {
  count: number;
  lossSum: number;
  top1: number;
  top5: number;
}

export function emptyTally(): ClassificationTally {
  return { count: 0, lossSum: 0, top1: 0, top5: 0 };
}

/**
 * Add a batch: `logProbs` is B x C row-major, `labels` has B entries. An example counts as top-k
 * correct when fewer than k classes score strictly higher than its label (ties favour the label,
 * exact ties are vanishingly rare with float logits).
 */
export function tallyBatch(tally: ClassificationTally, logProbs: Float32Array, labels: ArrayLike<number>, numClasses: number): void {
  for (let b = 0; b < labels.length; b++) {
    const row = b * numClasses;
    const label = labels[b]!;
    const target = logProbs[row + label]!;
    // A NaN score (a diverged model) is never correct.
    let higher = Number.isNaN(target) ? numClasses : 0;
    for (let c = 0; c < numClasses; c++) if (logProbs[row + c]! > target) higher++;
    tally.count++;
    tally.lossSum -= target;
    if (higher < 1) tally.top1++;
    if (higher < 5) tally.top5++;
  }
}

export function summarise(tally: ClassificationTally): { top1: number; top5: number; valLoss: number } {
  if (tally.count === 0) return { top1: NaN, top5: NaN, valLoss: NaN };
  return {
    top1: (100 * tally.top1) / tally.count,
    top5: (100 * tally.top5) / tally.count,
    valLoss: tally.lossSum / tally.count,
  };
}
