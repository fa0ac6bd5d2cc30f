// U-Net (Ronneberger et al. 2015): a contracting path of `levels` double-conv + maxpool2x2 steps (channels
// base, 2*base, ...), a bottom double conv (base * 2^levels), and an expanding path of 2x2 up-convolutions
// (transposed conv, stride 2, halving the channels) whose output is concatenated with the skip of the
// same resolution and double-convolved; a 1x1 conv gives per-pixel logits. Paper size: levels 4, base 64.
//
// Two deliberate differences from the 2015 paper, as in the common reimplementations (e.g.
// milesial/Pytorch-UNet): 'same' padding, so the logits have the input's resolution and no skip is
// cropped; and batch norm after every 3x3 conv (the convs then have no bias). Every ReLU is a site.
import { tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import { ModelContext, glorotUniform, type SymbolicTensor } from './blocks.js';
import { MaxPool } from './max-pool.js';
import type { BuiltModel, ModelBuildOptions } from './types.js';

export interface UNetConfig {
  /** Channels of the first level (64 in the paper). */
  base: number;
  /** Down-sampling steps (4 in the paper); input height and width must be multiples of 2^levels. */
  levels: number;
  name: string;
}

function doubleConv(ctx: ModelContext, x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  let y = ctx.act(ctx.bn(ctx.conv(x, filters, 3, 1, `${name}_conv1`), `${name}_bn1`), `${name}_act1`);
  y = ctx.act(ctx.bn(ctx.conv(y, filters, 3, 1, `${name}_conv2`), `${name}_bn2`), `${name}_act2`);
  return y;
}

export function buildUNet(config: UNetConfig, options: ModelBuildOptions): BuiltModel {
  const { base, levels } = config;
  const [height, width] = options.inputShape;
  const multiple = 2 ** levels;
  if (height % multiple !== 0 || width % multiple !== 0) {
    throw new UserError(`model '${config.name}': input height and width must be multiples of ${multiple} (${levels} 2x2 poolings), got ${height}x${width}`);
  }
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  const skips: SymbolicTensor[] = [];
  let x: SymbolicTensor = input;
  for (let level = 0; level < levels; level++) {
    x = doubleConv(ctx, x, base * 2 ** level, `down${level + 1}`);
    skips.push(x);
    x = new MaxPool({ poolSize: 2, strides: 2, name: `down${level + 1}_pool` }).apply(x) as SymbolicTensor;
  }
  x = doubleConv(ctx, x, base * 2 ** levels, 'bottom');
  for (let level = levels - 1; level >= 0; level--) {
    const filters = base * 2 ** level;
    const up = ctx.upConv(x, filters, 2, `up${level + 1}_upconv`);
    x = tfl.layers.concatenate({ name: `up${level + 1}_concat` }).apply([skips[level]!, up]) as SymbolicTensor;
    x = doubleConv(ctx, x, filters, `up${level + 1}`);
  }
  const logits = ctx.conv(x, options.numClasses, 1, 1, 'logits', { useBias: true, initializer: glorotUniform });
  return ctx.finish(input, logits, config.name);
}
