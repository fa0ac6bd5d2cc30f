// `ash eval <task>`: score saved predictions against ground truth with the reference definitions. One
// subcommand per task; add one by adding its module to SUBCOMMANDS.
import type { Argv, CommandModule } from 'yargs';
import { evalSegmentationCommand } from './eval-segmentation.js';
import { evalDetectionCommand } from './eval-detection.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SUBCOMMANDS: CommandModule<any, any>[] = [evalSegmentationCommand, evalDetectionCommand];

export const evalCommand: CommandModule = {
  command: 'eval',
  describe: 'Score saved predictions against ground truth (segmentation: mIoU as mmsegmentation; detection: mAP as COCOeval or the VOC devkit)',
  builder: (y: Argv) =>
    SUBCOMMANDS.reduce((cli, sub) => cli.command(sub), y).demandCommand(1, `name what to evaluate: ${SUBCOMMANDS.map((c) => String(c.command).split(' ')[0]).join(', ')}`) as never,
  handler: () => undefined,
};
