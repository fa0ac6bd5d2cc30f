// Backbones of the two-stage detector, each returning the feature maps the RPN and RoI heads read.
//
// resnet50Fpn: torchvision's resnet50 (v1.5: bottlenecks with the stride on the 3x3 conv, post-activation)
// with a FeaturePyramidNetwork on C2..C5 (256 channels, 1x1 lateral and 3x3 output convs with bias,
// nearest-neighbour top-down upsampling) and the LastLevelMaxPool P6 (max pool, kernel 1, stride 2): P2..P6.
// Batch norm is trained (the paper's runs start from scratch; torchvision freezes it only because its
// backbone is ImageNet-pretrained). Stride-2 convs pad symmetrically as PyTorch does (explicit zero padding
// and a valid conv: TF's 'same' would put the extra row at the bottom only); the stem max pool uses
// 'same' padding, which ignores padded cells like PyTorch's -inf padding but anchors the windows one pixel
// later.
//
// smallBackbone: a CPU-sized stand-in for 64x64 fashion-scenes: three conv stages with residual basic
// blocks, one stride-4 map.
import { tfl } from '../../engine/tf.js';
import { MaxPool } from '../max-pool.js';
import type { ModelContext, SymbolicTensor } from '../blocks.js';

const kaimingUniformA1 = (seed: number) => tfl.initializers.varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed });
/** torchvision's ResNet conv init: kaiming_normal_(mode='fan_out', nonlinearity='relu'). */
export const kaimingNormalFanOut = (seed: number) => tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed });
const FAN_OUT = { initializer: kaimingNormalFanOut };

/** conv (no bias) with PyTorch's symmetric padding k // 2, whatever the stride. */
function convPt(ctx: ModelContext, x: SymbolicTensor, filters: number, kernel: number, stride: number, name: string): SymbolicTensor {
  if (stride === 1 || kernel === 1) return ctx.conv(x, filters, kernel, stride, name, FAN_OUT);
  const pad = Math.floor(kernel / 2);
  const padded = tfl.layers.zeroPadding2d({ padding: [[pad, pad], [pad, pad]], name: `${name}_pad` }).apply(x) as SymbolicTensor;
  return tfl.layers
    .conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'valid', useBias: false, kernelInitializer: kaimingNormalFanOut(ctx.rng.nextUint32()), name })
    .apply(padded) as SymbolicTensor;
}

function bottleneck(ctx: ModelContext, x: SymbolicTensor, planes: number, stride: number, name: string): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  const out = planes * 4;
  let y = ctx.act(ctx.bn(ctx.conv(x, planes, 1, 1, `${name}_conv1`, FAN_OUT), `${name}_bn1`), `${name}_act1`);
  y = ctx.act(ctx.bn(convPt(ctx, y, planes, 3, stride, `${name}_conv2`), `${name}_bn2`), `${name}_act2`);
  y = ctx.bn(ctx.conv(y, out, 1, 1, `${name}_conv3`, FAN_OUT), `${name}_bn3`);
  const shortcut = stride !== 1 || inChannels !== out ? ctx.bn(ctx.conv(x, out, 1, stride, `${name}_down`, FAN_OUT), `${name}_down_bn`) : x;
  return ctx.act(tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as SymbolicTensor, `${name}_act3`);
}

function fpnConv(ctx: ModelContext, x: SymbolicTensor, filters: number, kernel: number, name: string): SymbolicTensor {
  return tfl.layers
    .conv2d({ filters, kernelSize: kernel, padding: 'same', useBias: true, kernelInitializer: kaimingUniformA1(ctx.rng.nextUint32()), name })
    .apply(x) as SymbolicTensor;
}

/** ResNet-50 + FPN: [P2, P3, P4, P5, P6] with 256 channels, strides 4..64. */
export function resnet50Fpn(ctx: ModelContext, image: SymbolicTensor): SymbolicTensor[] {
  let x = ctx.act(ctx.bn(convPt(ctx, image, 64, 7, 2, 'stem_conv'), 'stem_bn'), 'stem_act');
  x = new MaxPool({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }).apply(x) as SymbolicTensor;
  const stages: SymbolicTensor[] = [];
  [
    [64, 3],
    [128, 4],
    [256, 6],
    [512, 3],
  ].forEach(([planes, blocks], s) => {
    for (let b = 0; b < blocks!; b++) x = bottleneck(ctx, x, planes!, s > 0 && b === 0 ? 2 : 1, `c${s + 2}b${b + 1}`);
    stages.push(x);
  });
  const inner = stages.map((c, i) => fpnConv(ctx, c, 256, 1, `fpn_inner${i + 2}`));
  const merged: SymbolicTensor[] = [inner[3]!];
  for (let i = 2; i >= 0; i--) {
    const up = tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'nearest', name: `fpn_up${i + 2}` }).apply(merged[0]!) as SymbolicTensor;
    merged.unshift(tfl.layers.add({ name: `fpn_merge${i + 2}` }).apply([inner[i]!, up]) as SymbolicTensor);
  }
  const outputs = merged.map((m, i) => fpnConv(ctx, m, 256, 3, `fpn_out${i + 2}`));
  outputs.push(new MaxPool({ poolSize: 1, strides: 2, padding: 'valid', name: 'fpn_p6' }).apply(outputs[3]!) as SymbolicTensor);
  return outputs;
}

function basic(ctx: ModelContext, x: SymbolicTensor, name: string): SymbolicTensor {
  const channels = x.shape[x.shape.length - 1]!;
  let y = ctx.act(ctx.bn(ctx.conv(x, channels, 3, 1, `${name}_conv1`, FAN_OUT), `${name}_bn1`), `${name}_act1`);
  y = ctx.bn(ctx.conv(y, channels, 3, 1, `${name}_conv2`, FAN_OUT), `${name}_bn2`);
  return ctx.act(tfl.layers.add({ name: `${name}_add` }).apply([y, x]) as SymbolicTensor, `${name}_act2`);
}

/** The CPU backbone: 16 channels at stride 1, 32 at 2, 64 at 4, a basic block at each of the last two: [F4]. */
export function smallBackbone(ctx: ModelContext, image: SymbolicTensor): SymbolicTensor[] {
  let x = ctx.act(ctx.bn(ctx.conv(image, 16, 3, 1, 'stem_conv', FAN_OUT), 'stem_bn'), 'stem_act');
  x = ctx.act(ctx.bn(convPt(ctx, x, 32, 3, 2, 's2_conv'), 's2_bn'), 's2_act');
  x = basic(ctx, x, 's2b1');
  x = ctx.act(ctx.bn(convPt(ctx, x, 64, 3, 2, 's3_conv'), 's3_bn'), 's3_act');
  x = basic(ctx, x, 's3b1');
  return [x];
}
