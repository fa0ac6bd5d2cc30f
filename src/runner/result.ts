// Reading and writing a job folder's result.json (the contract is src/contract/result.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseResult, type JobResult } from '../contract/result.js';
import { RESULT_FILE, readJsonFile, writeJsonAtomic } from './store.js';

export { RESULT_SCHEMA_VERSION, JOB_STATUSES, finiteOrNull, finiteMetrics, type JobResult, type JobStatus } from '../contract/result.js';

export function resultPath(jobDir: string): string {
  return join(jobDir, RESULT_FILE);
}

/** The job's result (schema 1 upgraded to 2), or undefined when it has none (or an unreadable one, which counts as none). */
export function readResult(jobDir: string): JobResult | undefined {
  const path = resultPath(jobDir);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = parseResult(readJsonFile(path));
    return parsed.ok ? parsed.result : undefined;
  } catch {
    return undefined;
  }
}

export function writeResult(jobDir: string, result: JobResult): void {
  writeJsonAtomic(resultPath(jobDir), result);
}
