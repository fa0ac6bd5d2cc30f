// ImageNet-style ResNet v1 with bottleneck blocks (He et al. 2016, torchvision's layout: the stride sits in
// the 3x3 conv, "v1.5"), as a feature extractor for dense prediction: the classifier head is left out, and
// the last stages can trade their stride for dilation to keep a larger feature map (output stride 16 or 8).
//
// Stem: conv7x7/2 -> BN -> act -> maxpool3x3/2 ('same' padding, as TF-slim's resnet_v1 that DeepLab's
// reference code uses; torchvision pads by 1, which gives the same size on even inputs). Bottleneck:
// conv1x1 -> BN -> act -> conv3x3 (stride, dilation) -> BN -> act -> conv1x1 (x4) -> BN, + shortcut
// (conv1x1/stride -> BN when the shape changes) -> act. Every ReLU of the original is an activation site.
//
// Dilation follows segmentation_models.pytorch's make_dilated (used by its DeepLabV3/V3+): a dilated stage
// has stride 1 and every 3x3 conv in it has the stage's rate (no multi-grid).
import { tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import type { ModelContext, SymbolicTensor } from './blocks.js';
import { MaxPool } from './max-pool.js';

export interface ResNetBackboneConfig {
  /** Bottleneck blocks per stage, e.g. [3, 4, 6, 3] (ResNet-50), [3, 4, 23, 3] (ResNet-101). */
  blocks: [number, number, number, number];
  /** Stem width and stage-1 planes (64 in ResNet-50); stages double it, bottlenecks expand it 4x. */
  width: number;
  /** 32 (plain ResNet), 16 (stage 4 dilated x2) or 8 (stage 3 x2, stage 4 x4). */
  outputStride: 8 | 16 | 32;
}

export interface ResNetFeatures {
  /** Stage 1's output: stride 4, 4 * width channels (DeepLabV3+'s low-level features). */
  stride4: SymbolicTensor;
  /** Stage 4's output: stride outputStride, 32 * width channels. */
  out: SymbolicTensor;
}

function bottleneck(ctx: ModelContext, x: SymbolicTensor, planes: number, stride: number, dilation: number, name: string): SymbolicTensor {
  const inChannels = x.shape[3];
  const out = planes * 4;
  let shortcut = x;
  if (stride !== 1 || inChannels !== out) {
    shortcut = ctx.bn(ctx.conv(x, out, 1, stride, `${name}_proj`), `${name}_proj_bn`);
  }
  let y = ctx.act(ctx.bn(ctx.conv(x, planes, 1, 1, `${name}_conv1`), `${name}_bn1`), `${name}_act1`);
  y = ctx.act(ctx.bn(ctx.conv(y, planes, 3, stride, `${name}_conv2`, { dilation }), `${name}_bn2`), `${name}_act2`);
  y = ctx.bn(ctx.conv(y, out, 1, 1, `${name}_conv3`), `${name}_bn3`);
  y = tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor;
  return ctx.act(y, `${name}_act3`);
}

export function resnetBackbone(ctx: ModelContext, input: SymbolicTensor, config: ResNetBackboneConfig): ResNetFeatures {
  const { blocks, width, outputStride } = config;
  if (!blocks.every((b) => Number.isInteger(b) && b >= 1)) throw new UserError(`ResNet backbone: blocks per stage must be positive integers, got ${blocks.join(', ')}`);
  // Which stages keep stride 1 and dilate instead: the rate doubles wherever a stride is given up.
  const dilated = { 32: [false, false, false], 16: [false, false, true], 8: [false, true, true] }[outputStride];
  let x = ctx.conv(input, width, 7, 2, 'stem_conv');
  x = ctx.act(ctx.bn(x, 'stem_bn'), 'stem_act');
  x = new MaxPool({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }).apply(x) as SymbolicTensor;
  let stride4: SymbolicTensor | undefined;
  let dilation = 1;
  for (let stage = 0; stage < 4; stage++) {
    let stride = stage === 0 ? 1 : 2;
    if (stage > 0 && dilated[stage - 1]) {
      dilation *= stride;
      stride = 1;
    }
    for (let i = 0; i < blocks[stage]!; i++) {
      x = bottleneck(ctx, x, width * 2 ** stage, i === 0 ? stride : 1, dilation, `layer${stage + 1}_${i + 1}`);
    }
    if (stage === 0) stride4 = x;
  }
  return { stride4: stride4!, out: x };
}
