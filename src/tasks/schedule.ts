import type { TrainRecipe } from './spec.js';

/** Learning rate at optimizer step `step` of `totalSteps` (cosine decays to 0 over the whole run, per step). */
export function learningRate(recipe: TrainRecipe, step: number, totalSteps: number): number {
  const base = recipe.optimizer.lr;
  if (recipe.schedule === 'constant' || totalSteps <= 1) return base;
  return 0.5 * base * (1 + Math.cos((Math.PI * step) / totalSteps));
}
