// `ash eval <task>`: score saved predictions against ground truth.
// INTEGRATOR: a minimal parent written on the det-eval branch; the segmentation branch has its own
// src/cli/eval.ts. Keep theirs and add `.command(evalDetectionCommand)` (and its import) to it.
import type { CommandModule } from 'yargs';
import { evalDetectionCommand } from './eval-detection.js';

export const evalCommand: CommandModule = {
  command: 'eval',
  describe: 'Score saved predictions against ground truth (detection)',
  builder: (y) => y.command(evalDetectionCommand).demandCommand(1, 'name what to evaluate: detection'),
  handler: () => {},
};
