// The list of `ash` commands. Add a command by adding its module here (one line, keep it sorted).
import type { CommandModule } from 'yargs';
import { doctorCommand } from './doctor.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [doctorCommand];
