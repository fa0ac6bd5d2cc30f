// Grid expansion: a validated sweep config becomes one job per activation x model x dataset x seed,
// each with a fully spelled-out spec (defaults filled, overrides applied, keys sorted) and an id
// hashed from that spec.
import { augmentFor } from '../data/registry.js';
import { DataLimitsSchema, TrainRecipeSchema } from '../contract/recipe.js';
import { canonicalize, jobIdOf, JobSpecSchema, type JobSpec } from '../contract/spec.js';
import { deepMerge } from './merge.js';
import { overrideOptimizer } from '../contract/optimizer.js';
import { overrideSchedule } from '../contract/schedule.js';
import type { SweepConfig } from './schema.js';

export type { JobSpec };

/** A job spec plus its id: the unit the runner schedules and the results store keeps. */
export interface Job {
  /** `<label>-<model>-<dataset>-s<seed>-<hash>`: the hash covers what decides the results (contract/spec.ts jobIdentity). */
  id: string;
  spec: JobSpec;
}

/** The recipe and data limits of one model x dataset cell: sweep values, then the dataset's override, then the model's. */
function cellSettings(config: SweepConfig, model: string, dataset: string): Pick<JobSpec, 'train' | 'data'> {
  const layers = [config.overrides?.dataset?.[dataset], config.overrides?.model?.[model]];
  let train: unknown = config.train;
  let data: unknown = config.data;
  for (const layer of layers) {
    const over = (layer?.train ?? {}) as Record<string, unknown>;
    const base = train as Record<string, unknown>;
    const merged = deepMerge(train, over) as Record<string, unknown>;
    // Another optimizer or schedule starts from its own fields rather than inheriting the sweep's.
    if (over.optimizer !== undefined) merged.optimizer = overrideOptimizer(base.optimizer as Record<string, unknown>, over.optimizer as Record<string, unknown>);
    if (over.schedule !== undefined) merged.schedule = overrideSchedule(base.schedule, over.schedule);
    train = merged;
    data = deepMerge(data, layer?.data ?? {});
  }
  // Already valid piecewise; parsing again gives the merged value its type.
  const recipe = TrainRecipeSchema.parse(train);
  // The augmentation is spelled out per dataset (the kind a config leaves out is the dataset's default).
  return { train: { ...recipe, augment: augmentFor(dataset, recipe.augment) }, data: DataLimitsSchema.parse(data) };
}

/**
 * All jobs of a sweep. Seeds vary slowest, so a sweep stopped half-way has every activation at its
 * first seeds rather than some activations complete and others missing.
 */
export function expandJobs(config: SweepConfig): Job[] {
  const jobs: Job[] = [];
  for (const seed of config.seeds) {
    for (const dataset of config.grid.dataset) {
      for (const model of config.grid.model) {
        const { train, data } = cellSettings(config, model, dataset);
        for (const entry of config.grid.activation) {
          const written: JobSpec = {
            sweep: config.name,
            label: entry.label ?? entry.name,
            task: config.task,
            activation: { ...entry.options, name: entry.name },
            model,
            dataset,
            seed,
            backend: config.backend,
            train,
            data,
          };
          // Parsed as spec.json will be read back, so that what runs, what is hashed and what is stored agree.
          const spec = canonicalize(JobSpecSchema.parse(written)) as JobSpec;
          jobs.push({ id: jobIdOf(spec), spec });
        }
      }
    }
  }
  return jobs;
}

/** "3 activations x 1 model x 1 dataset x 2 seeds = 6 jobs" */
export function describeGrid(config: SweepConfig): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const { activation, model, dataset } = config.grid;
  const total = activation.length * model.length * dataset.length * config.seeds.length;
  return `${n(activation.length, 'activation')} x ${n(model.length, 'model')} x ${n(dataset.length, 'dataset')} x ${n(config.seeds.length, 'seed')} = ${n(total, 'job')}`;
}
