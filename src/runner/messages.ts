// What a job process tells the sweep over the IPC channel while it runs. Results never travel this
// way (they are files); these messages only feed the progress view, so losing one is harmless.
import type { EpochRecord } from '../contract/result.js';

export type JobMessage =
  | { type: 'ready'; trainCount: number; testCount: number; params: number; epochs: number }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number }
  | { type: 'epoch'; record: EpochRecord };

export function isJobMessage(value: unknown): value is JobMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'step' || type === 'epoch';
}
