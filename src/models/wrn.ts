// Wide ResNets (Zagoruyko & Komodakis 2016, "Wide Residual Networks"): pre-activation basic blocks
// BN -> act -> conv3x3 -> BN -> act -> [dropout] -> conv3x3, three groups of 16k/32k/64k channels,
// depth = 6n + 4 (n blocks per group, plus the stem conv, the classifier and the two projection convs
// counted by the paper). The projection shortcut takes the pre-activated input, as in the authors' code.
import { tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import { ModelContext, type SymbolicTensor } from './blocks.js';
import type { BuiltModel, ModelBuildOptions } from './types.js';

export interface WideResNetConfig {
  depth: number;
  width: number;
  /** Dropout between the two convs of each block (the paper uses 0.3 in some runs; 0 = none). */
  dropout?: number;
}

export function wrnBlocksPerGroup(depth: number): number {
  const n = (depth - 4) / 6;
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`wide resnet depth must be 6n+4 (10, 16, 22, 28, 40, ...), got ${depth}`);
  }
  return n;
}

function wideBlock(ctx: ModelContext, x: SymbolicTensor, filters: number, stride: number, dropout: number, name: string): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  const pre = ctx.act(ctx.bn(x, `${name}_bn1`), `${name}_act1`);
  const shortcut = stride !== 1 || inChannels !== filters ? ctx.conv(pre, filters, 1, stride, `${name}_proj`) : x;
  let y = ctx.conv(pre, filters, 3, stride, `${name}_conv1`);
  y = ctx.act(ctx.bn(y, `${name}_bn2`), `${name}_act2`);
  y = ctx.dropout(y, dropout, `${name}_dropout`);
  y = ctx.conv(y, filters, 3, 1, `${name}_conv2`);
  return tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor;
}

export function buildWideResNet(config: WideResNetConfig, options: ModelBuildOptions): BuiltModel {
  const { depth, width } = config;
  const dropout = config.dropout ?? 0;
  const perGroup = wrnBlocksPerGroup(depth);
  if (!Number.isInteger(width) || width < 1) throw new UserError(`wide resnet width must be a positive integer, got ${width}`);
  if (!(dropout >= 0 && dropout < 1)) throw new UserError(`wide resnet dropout must be in [0, 1), got ${dropout}`);
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  let x = ctx.conv(input, 16, 3, 1, 'stem_conv');
  [16, 32, 64].forEach((base, group) => {
    for (let i = 0; i < perGroup; i++) {
      const stride = group > 0 && i === 0 ? 2 : 1;
      x = wideBlock(ctx, x, base * width, stride, dropout, `g${group + 1}b${i + 1}`);
    }
  });
  x = ctx.act(ctx.bn(x, 'final_bn'), 'final_act');
  return ctx.finish(input, ctx.head(x, options.numClasses), `wrn${depth}-${width}`);
}
