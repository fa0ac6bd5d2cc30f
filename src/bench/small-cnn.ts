// The small CNN: five 3x3 conv + batch norm + activation blocks, 16 to 64 channels, global average
// pooling and a linear classifier. bench/torch_reference.py builds the same network for PyTorch.
import { tfl } from '../engine/tf.js';
import { ModelContext, type SymbolicTensor } from '../models/blocks.js';
import type { BuiltModel, ModelBuildOptions } from '../models/types.js';

/** [output channels, stride] of each block; keep in step with SMALL_CNN_BLOCKS in bench/torch_reference.py. */
export const SMALL_CNN_BLOCKS: readonly (readonly [number, number])[] = [
  [16, 1],
  [32, 2],
  [32, 1],
  [64, 2],
  [64, 1],
];

export function buildSmallCnn(options: ModelBuildOptions): BuiltModel {
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  let x: SymbolicTensor = input;
  SMALL_CNN_BLOCKS.forEach(([filters, stride], i) => {
    x = ctx.conv(x, filters, 3, stride, `b${i + 1}_conv`);
    x = ctx.act(ctx.bn(x, `b${i + 1}_bn`), `b${i + 1}_act`);
  });
  const logits = ctx.head(x, options.numClasses);
  return { model: tfl.model({ inputs: input, outputs: logits, name: 'small-cnn' }), activationSites: ctx.activationSites };
}
