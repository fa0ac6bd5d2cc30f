// The one contract between the stages: what a job is (spec.json) and what it produced (result.json,
// metrics.jsonl). Plain zod schemas and the types inferred from them; no project imports.
export * from './task-name.js';
export * from './schedule.js';
export * from './optimizer.js';
export * from './recipe.js';
export * from './spec.js';
export * from './result.js';
export * from './user-error.js';
export * from './json-depth.js';
export * from './examples.js';
