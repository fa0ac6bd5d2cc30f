// The tasks the harness trains and evaluates. A leaf module (no imports beyond zod), so models, data and the
// runner can name a task without importing the task implementations above them.
import * as z from 'zod';

export const TASK_NAMES = ['classification', 'segmentation', 'detection'] as const;
export const TaskNameSchema = z.enum(TASK_NAMES);
export type TaskName = z.infer<typeof TaskNameSchema>;
