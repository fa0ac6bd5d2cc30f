// Pre-activation ResNets for CIFAR-sized inputs (He et al. 2016, "Identity Mappings in Deep Residual
// Networks"): BN -> activation -> conv ordering, three stages of 16/32/64 base channels.
// Basic blocks for resnet20..110 (depth = 6n + 2), bottleneck blocks (x4 expansion) for resnet164 (9n + 2).
import { tfl } from '../engine/tf.js';
import { ModelContext, type SymbolicTensor } from './blocks.js';
import type { BuiltModel, ModelBuildOptions } from './types.js';

function basicBlock(ctx: ModelContext, x: SymbolicTensor, filters: number, stride: number, name: string): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  const pre = ctx.act(ctx.bn(x, `${name}_bn1`), `${name}_act1`);
  // The projection shortcut takes the pre-activated input, as in the reference implementation.
  const shortcut = stride !== 1 || inChannels !== filters ? ctx.conv(pre, filters, 1, stride, `${name}_proj`) : x;
  let y = ctx.conv(pre, filters, 3, stride, `${name}_conv1`);
  y = ctx.act(ctx.bn(y, `${name}_bn2`), `${name}_act2`);
  y = ctx.conv(y, filters, 3, 1, `${name}_conv2`);
  return tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor;
}

function bottleneckBlock(ctx: ModelContext, x: SymbolicTensor, planes: number, stride: number, name: string): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  const out = planes * 4;
  const pre = ctx.act(ctx.bn(x, `${name}_bn1`), `${name}_act1`);
  const shortcut = stride !== 1 || inChannels !== out ? ctx.conv(pre, out, 1, stride, `${name}_proj`) : x;
  let y = ctx.conv(pre, planes, 1, 1, `${name}_conv1`);
  y = ctx.act(ctx.bn(y, `${name}_bn2`), `${name}_act2`);
  y = ctx.conv(y, planes, 3, stride, `${name}_conv2`);
  y = ctx.act(ctx.bn(y, `${name}_bn3`), `${name}_act3`);
  y = ctx.conv(y, out, 1, 1, `${name}_conv3`);
  return tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor;
}

export function buildPreActResNet(depth: number, bottleneck: boolean, options: ModelBuildOptions): BuiltModel {
  const perStage = bottleneck ? (depth - 2) / 9 : (depth - 2) / 6;
  if (!Number.isInteger(perStage) || perStage < 1) {
    throw new Error(`resnet depth ${depth} is not ${bottleneck ? '9n+2' : '6n+2'}`);
  }
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  let x = ctx.conv(input, 16, 3, 1, 'stem_conv');
  const block = bottleneck ? bottleneckBlock : basicBlock;
  [16, 32, 64].forEach((width, stage) => {
    for (let i = 0; i < perStage; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      x = block(ctx, x, width, stride, `s${stage + 1}b${i + 1}`);
    }
  });
  x = ctx.act(ctx.bn(x, 'final_bn'), 'final_act');
  const logits = ctx.head(x, options.numClasses);
  const model = tfl.model({ inputs: input, outputs: logits, name: `resnet${depth}` });
  return { model, activationSites: ctx.activationSites };
}
