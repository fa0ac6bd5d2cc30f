// Models by name, created from config (timm's create_model idea): a sweep is data, not code.
import { unknownName } from '../engine/errors.js';
import { buildPreActResNet } from './resnet.js';
import type { ModelEntry } from './types.js';

const entries: ModelEntry[] = [
  ...[20, 32, 44, 56, 110].map((depth) => ({
    name: `resnet${depth}`,
    family: 'resnet',
    description: `pre-activation ResNet-${depth}, basic blocks, 16/32/64 channels (CIFAR-style)`,
    build: (o: Parameters<ModelEntry['build']>[0]) => buildPreActResNet(depth, false, o),
  })),
  {
    name: 'resnet164',
    family: 'resnet',
    description: 'pre-activation ResNet-164, bottleneck blocks (paper Tables 1-3)',
    build: (o) => buildPreActResNet(164, true, o),
  },
];

const byName = new Map(entries.map((e) => [e.name, e]));

export function modelNames(): string[] {
  return [...byName.keys()];
}

export function getModel(name: string): ModelEntry {
  const entry = byName.get(name);
  if (!entry) throw unknownName('model', name, modelNames());
  return entry;
}

export function registerModel(entry: ModelEntry): void {
  byName.set(entry.name, entry);
}
