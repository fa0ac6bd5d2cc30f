// SSD default boxes (priors), as amdegroot/ssd.pytorch layers/functions/prior_box.py (the 'v2' layout of
// its master branch) with data/config.py's SSD300 VOC numbers, in input pixels rather than fractions:
// per feature map k and cell (i, j), centred at ((j + 0.5) * step_k, (i + 0.5) * step_k), a square of side
// min_k, a square of side sqrt(min_k * max_k), and for each aspect ratio r a min_k*sqrt(r) x min_k/sqrt(r)
// box and its transpose; every centre-form number is clipped to [0, inputSize] ('clip': True).

export interface PriorConfig {
  /** The input side these sizes are given for (300 for SSD300); other input sides scale them. */
  referenceSize: number;
  steps: number[];
  minSizes: number[];
  maxSizes: number[];
  /** Per feature map, the ratios besides 1 (each adds two boxes). */
  aspectRatios: number[][];
}

/** ssd.pytorch data/config.py `voc` (SSD300): 8732 priors on 38, 19, 10, 5, 3, 1 cells. */
export const SSD300_PRIORS: PriorConfig = {
  referenceSize: 300,
  steps: [8, 16, 32, 64, 100, 300],
  minSizes: [30, 60, 111, 162, 213, 264],
  maxSizes: [60, 111, 162, 213, 264, 315],
  aspectRatios: [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
};

/**
 * The CPU variant on 64x64 fashion-scenes: 8, 4, 2 cells. Items there are 5 to 28 pixels a side, so the
 * squares run 10 -> 52 pixels (SSD300's 30 -> 315 would leave most items with no prior at IoU 0.5).
 */
export const SSD_SMALL_PRIORS: PriorConfig = {
  referenceSize: 64,
  steps: [8, 16, 32],
  minSizes: [10, 20, 36],
  maxSizes: [20, 36, 52],
  aspectRatios: [[2], [2, 3], [2]],
};

/** Boxes per cell on each feature map: 2 squares + 2 per extra aspect ratio. */
export function boxesPerCell(config: PriorConfig): number[] {
  return config.aspectRatios.map((r) => 2 + 2 * r.length);
}

/** Centre-form priors [cx, cy, w, h] for a square input of side `size` and the given feature-map sides. */
export function priorBoxes(config: PriorConfig, size: number, featureSizes: number[]): Float32Array {
  if (featureSizes.length !== config.steps.length) {
    throw new Error(`SSD priors: ${featureSizes.length} feature maps but ${config.steps.length} prior configurations`);
  }
  const scale = size / config.referenceSize;
  const out: number[] = [];
  const clip = (v: number): number => Math.min(size, Math.max(0, v));
  featureSizes.forEach((f, k) => {
    const step = config.steps[k]! * scale;
    const s = config.minSizes[k]! * scale;
    const big = Math.sqrt(s * config.maxSizes[k]! * scale);
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < f; j++) {
        const cx = (j + 0.5) * step;
        const cy = (i + 0.5) * step;
        out.push(cx, cy, s, s, cx, cy, big, big);
        for (const r of config.aspectRatios[k]!) {
          out.push(cx, cy, s * Math.sqrt(r), s / Math.sqrt(r), cx, cy, s / Math.sqrt(r), s * Math.sqrt(r));
        }
      }
    }
  });
  return Float32Array.from(out, clip);
}
