// Valid keys for "unknown key" messages: a discriminated union offers the keys of the option the input
// names, so an AdamW optimizer with `momentum` is told AdamW's keys, not every optimizer's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod';
import { objectKeysAt } from '../../src/config/schema-keys.js';
import { OptimizerSchema } from '../../src/contract/optimizer.js';
import { ScheduleSchema } from '../../src/contract/schedule.js';

const sorted = (keys: string[] | undefined) => [...(keys ?? [])].sort();

test('a discriminated union narrows to the option the input names', () => {
  assert.deepEqual(sorted(objectKeysAt(OptimizerSchema, [], { name: 'adamw', momentum: 0.9 })), ['beta1', 'beta2', 'epsilon', 'lr', 'name', 'weightDecay']);
  assert.deepEqual(sorted(objectKeysAt(OptimizerSchema, [], { name: 'sgd' })), ['lr', 'momentum', 'name', 'nesterov', 'weightDecay']);
  // No tag, or an unknown one: every option's keys (the preprocess fills sgd only when parsing).
  assert.deepEqual(sorted(objectKeysAt(OptimizerSchema, [], {})), ['beta1', 'beta2', 'epsilon', 'lr', 'momentum', 'name', 'nesterov', 'weightDecay']);
  assert.deepEqual(sorted(objectKeysAt(OptimizerSchema, [], { name: 'rmsprop' })), ['beta1', 'beta2', 'epsilon', 'lr', 'momentum', 'name', 'nesterov', 'weightDecay']);
});

test('nested: the schedule inside a recipe, and its warm-up by kind', () => {
  const Recipe = z.strictObject({ schedule: ScheduleSchema });
  const input = { schedule: { name: 'poly', power: 0.9, warmup: { kind: 'constant', lr: 0.01, iterations: 10 } } };
  assert.deepEqual(sorted(objectKeysAt(Recipe, ['schedule'], input)), ['minLr', 'name', 'power', 'warmup']);
  assert.deepEqual(sorted(objectKeysAt(Recipe, ['schedule', 'warmup'], input)), ['epochs', 'factor', 'iterations', 'kind', 'lr']);
  const linear = { schedule: { name: 'cosine', warmup: { kind: 'linear' } } };
  assert.deepEqual(sorted(objectKeysAt(Recipe, ['schedule', 'warmup'], linear)), ['epochs', 'iterations', 'kind', 'startFactor']);
  // Without an input the union of the options, as before.
  assert.ok(sorted(objectKeysAt(Recipe, ['schedule'])).includes('milestones'));
});
