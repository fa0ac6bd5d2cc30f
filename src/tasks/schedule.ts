import type { JobRecipe } from '../contract/recipe.js';

/** Learning rate at optimizer step `step` of `totalSteps` (cosine decays to 0 over the whole run, per step). */
export function learningRate(recipe: Pick<JobRecipe, 'optimizer' | 'schedule'>, step: number, totalSteps: number): number {
  const base = recipe.optimizer.lr;
  if (recipe.schedule === 'constant' || totalSteps <= 1) return base;
  return 0.5 * base * (1 + Math.cos((Math.PI * step) / totalSteps));
}
