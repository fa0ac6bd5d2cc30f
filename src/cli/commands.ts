// The list of `ash` commands. Add a command by adding its module here (one line, keep it sorted).
import type { CommandModule } from 'yargs';
import { analyzeCommand } from './analyze.js';
import { benchCommand } from './bench.js';
import { datasetsCommand } from './datasets.js';
import { doctorCommand } from './doctor.js';
import { evalCommand } from './eval.js';
import { jobCommand } from './job.js';
import { modelsCommand } from './models.js';
import { paperCommand } from './paper.js';
import { reportCommand } from './report.js';
import { statusCommand } from './status.js';
import { sweepCommand } from './sweep.js';
import { trainCommand } from './train.js';
import { validateCommand } from './validate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [doctorCommand, datasetsCommand, trainCommand, evalCommand, reportCommand, validateCommand, sweepCommand, statusCommand, jobCommand, modelsCommand, benchCommand, paperCommand, analyzeCommand];
