import type { JobRecipe } from '../contract/recipe.js';
import { scheduledLearningRate, type RunLength } from './schedules.js';

/** Learning rate at optimizer step `step` (0-based) of the run: the recipe's schedule from its peak rate. */
export function learningRate(recipe: Pick<JobRecipe, 'optimizer' | 'schedule'>, step: number, run: RunLength): number {
  return scheduledLearningRate(recipe.schedule, recipe.optimizer.lr, step, run);
}
