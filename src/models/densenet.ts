// DenseNet-BC (Huang et al. 2017, "Densely Connected Convolutional Networks") for CIFAR-sized inputs:
// stem conv3x3 with 2k channels; three dense blocks of n bottleneck layers
// BN -> act -> conv1x1 (4k) -> BN -> act -> conv3x3 (k), each concatenated to its input; transitions
// BN -> act -> conv1x1 (compression 0.5) -> avgpool 2x2; final BN -> act -> global pool -> linear.
// depth = 6n + 4 (two convs per layer, plus the stem, the two transitions and the classifier).
import { tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import { ModelContext, type SymbolicTensor } from './blocks.js';
import type { BuiltModel, ModelBuildOptions } from './types.js';

export interface DenseNetConfig {
  depth: number;
  growthRate: number;
  /** Fraction of channels a transition keeps (BC: 0.5). */
  compression?: number;
  /** Dropout after each conv (the paper uses 0.2 without data augmentation; 0 = none). */
  dropout?: number;
}

export function denseLayersPerBlock(depth: number): number {
  const n = (depth - 4) / 6;
  if (!Number.isInteger(n) || n < 1) throw new UserError(`DenseNet-BC depth must be 6n+4 (10, 16, 22, 40, 100, ...), got ${depth}`);
  return n;
}

function denseLayer(ctx: ModelContext, x: SymbolicTensor, growth: number, dropout: number, name: string): SymbolicTensor {
  let y = ctx.act(ctx.bn(x, `${name}_bn1`), `${name}_act1`);
  y = ctx.conv(y, 4 * growth, 1, 1, `${name}_conv1`);
  y = ctx.dropout(y, dropout, `${name}_dropout1`);
  y = ctx.act(ctx.bn(y, `${name}_bn2`), `${name}_act2`);
  y = ctx.conv(y, growth, 3, 1, `${name}_conv2`);
  y = ctx.dropout(y, dropout, `${name}_dropout2`);
  return tfl.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([x, y]) as SymbolicTensor;
}

function transition(ctx: ModelContext, x: SymbolicTensor, compression: number, dropout: number, name: string): SymbolicTensor {
  const channels = x.shape[x.shape.length - 1]!;
  let y = ctx.act(ctx.bn(x, `${name}_bn`), `${name}_act`);
  y = ctx.conv(y, Math.floor(channels * compression), 1, 1, `${name}_conv`);
  y = ctx.dropout(y, dropout, `${name}_dropout`);
  return tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(y) as SymbolicTensor;
}

export function buildDenseNetBC(config: DenseNetConfig, options: ModelBuildOptions): BuiltModel {
  const { depth, growthRate } = config;
  const compression = config.compression ?? 0.5;
  const dropout = config.dropout ?? 0;
  const perBlock = denseLayersPerBlock(depth);
  if (!Number.isInteger(growthRate) || growthRate < 1) throw new UserError(`DenseNet growth rate must be a positive integer, got ${growthRate}`);
  if (!(compression > 0 && compression <= 1)) throw new UserError(`DenseNet compression must be in (0, 1], got ${compression}`);
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  let x = ctx.conv(input, 2 * growthRate, 3, 1, 'stem_conv');
  for (let block = 1; block <= 3; block++) {
    for (let i = 1; i <= perBlock; i++) x = denseLayer(ctx, x, growthRate, dropout, `d${block}l${i}`);
    if (block < 3) x = transition(ctx, x, compression, dropout, `t${block}`);
  }
  x = ctx.act(ctx.bn(x, 'final_bn'), 'final_act');
  return ctx.finish(input, ctx.head(x, options.numClasses), `densenet${depth}-${growthRate}`);
}
