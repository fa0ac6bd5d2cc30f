// What each metric means for a table: its name in print, its unit, and which direction is better.

export interface MetricInfo {
  key: string;
  title: string;
  /** Accuracy-like metrics are printed in percent, like the paper. */
  percent: boolean;
  higherIsBetter: boolean;
  /** Decimals for the mean and for the CI. */
  digits: number;
}

const KNOWN: Record<string, Omit<MetricInfo, 'key'>> = {
  top1: { title: 'top-1 accuracy (%)', percent: true, higherIsBetter: true, digits: 2 },
  top5: { title: 'top-5 accuracy (%)', percent: true, higherIsBetter: true, digits: 2 },
  map50: { title: 'mAP@50 (%)', percent: true, higherIsBetter: true, digits: 2 },
  miou: { title: 'mIoU (%)', percent: true, higherIsBetter: true, digits: 2 },
  valLoss: { title: 'validation loss', percent: false, higherIsBetter: false, digits: 4 },
  trainLoss: { title: 'training loss', percent: false, higherIsBetter: false, digits: 4 },
};

export function metricInfo(key: string): MetricInfo {
  const known = KNOWN[key];
  if (known) return { key, ...known };
  // Unknown metrics: losses and errors are minimised, anything else is taken as a score.
  const lowerIsBetter = /loss|error|err$/i.test(key);
  return { key, title: key, percent: false, higherIsBetter: !lowerIsBetter, digits: 4 };
}
