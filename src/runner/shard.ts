// Sharding: `--shard I/N` runs the jobs whose id hashes to I, so any engine that can start N copies of
// one command (a SLURM array, a Kubernetes Indexed Job, N shells) runs a whole sweep between them.
//
// Assignment: shard(jobId) = (first 48 bits of sha256(jobId), as an integer) mod N. It depends on the
// job id alone, not on the job's position in the grid, so adding a seed or an activation to a sweep
// never moves an existing job to another shard (its finished result is found by the same shard), and
// every copy computes the same partition without talking to the others. Indices are 0-based, as
// SLURM_ARRAY_TASK_ID (array 0-(N-1)) and JOB_COMPLETION_INDEX are.
import { createHash } from 'node:crypto';
import { UserError } from '../engine/errors.js';

export interface Shard {
  /** 0 <= index < count */
  index: number;
  count: number;
}

/** `--shard 2/8` as { index: 2, count: 8 }. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new UserError(`--shard ${text}: expected I/N with whole numbers, e.g. --shard 0/4 (shards are numbered 0 to N-1)`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new UserError(`--shard ${text}: the shard count N must be at least 1`);
  if (index >= count) throw new UserError(`--shard ${text}: the shard index must be between 0 and ${count - 1} (shards are numbered 0 to N-1)`);
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The shard (0..count-1) that runs the job with this id. */
export function shardOf(jobId: string, count: number): number {
  const prefix = createHash('sha256').update(jobId).digest().readUIntBE(0, 6);
  return prefix % count;
}

/** The items of `shard`, in their original order. */
export function selectShard<T extends { id: string }>(items: readonly T[], shard: Shard): T[] {
  return items.filter((item) => shardOf(item.id, shard.count) === shard.index);
}
