// DeepLabV3+ (Chen et al. 2018, "Encoder-Decoder with Atrous Separable Convolution"), ResNet backbone:
//   encoder: ResNet (resnet-backbone.ts) at output stride 16 (stage 4 dilated x2), then ASPP: a 1x1 conv,
//            three 3x3 atrous convs (rates 6, 12, 18 at stride 16), and image pooling (global average ->
//            1x1 conv -> broadcast back), each -> BN -> act, concatenated -> 1x1 conv -> BN -> act -> dropout;
//   decoder: the ASPP output upsampled to stride 4 (bilinear), concatenated with the stride-4 backbone
//            features projected to 48 channels (1x1 conv -> BN -> act), two 3x3 convs -> BN -> act, a 1x1
//            conv to the class logits, upsampled to the input resolution (x4, bilinear).
// Plain (not depthwise-separable) convs in ASPP and decoder, as the paper's ResNet-101 model and
// torchvision's DeepLab head; dropout 0.5 after the ASPP projection as torchvision and smp.
// Atrous convs are AtrousConv2D (space-to-batch), so they train on every backend; resizes align corners.
import { tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import { ModelContext, glorotUniform, type SymbolicTensor } from './blocks.js';
import { resnetBackbone, type ResNetBackboneConfig } from './resnet-backbone.js';
import type { BuiltModel, ModelBuildOptions } from './types.js';

export interface DeepLabV3PlusConfig {
  backbone: ResNetBackboneConfig;
  /** The three atrous rates of ASPP (6, 12, 18 at output stride 16). */
  asppRates: [number, number, number];
  /** Channels of every ASPP branch and of its projection (256). */
  asppChannels: number;
  /** Channels the stride-4 features are projected to (48). */
  lowLevelChannels: number;
  /** Channels of the two decoder 3x3 convs (256). */
  decoderChannels: number;
  /** Dropout after the ASPP projection (0.5). */
  dropout: number;
  name: string;
}

function convBnAct(ctx: ModelContext, x: SymbolicTensor, filters: number, kernel: number, name: string, dilation = 1): SymbolicTensor {
  return ctx.act(ctx.bn(ctx.conv(x, filters, kernel, 1, `${name}_conv`, { dilation }), `${name}_bn`), `${name}_act`);
}

function aspp(ctx: ModelContext, x: SymbolicTensor, config: DeepLabV3PlusConfig): SymbolicTensor {
  const [, height, width, channels] = x.shape as [null, number, number, number];
  const c = config.asppChannels;
  const branches = [convBnAct(ctx, x, c, 1, 'aspp_1x1')];
  config.asppRates.forEach((rate, i) => branches.push(convBnAct(ctx, x, c, 3, `aspp_rate${i + 1}`, rate)));
  let pooled = tfl.layers.globalAveragePooling2d({ name: 'aspp_pool' }).apply(x) as SymbolicTensor;
  pooled = tfl.layers.reshape({ targetShape: [1, 1, channels], name: 'aspp_pool_reshape' }).apply(pooled) as SymbolicTensor;
  pooled = convBnAct(ctx, pooled, c, 1, 'aspp_pool');
  branches.push(ctx.resize(pooled, height, width, 'aspp_pool_upsample'));
  let y = tfl.layers.concatenate({ name: 'aspp_concat' }).apply(branches) as SymbolicTensor;
  y = convBnAct(ctx, y, c, 1, 'aspp_project');
  return ctx.dropout(y, config.dropout, 'aspp_dropout');
}

export function buildDeepLabV3Plus(config: DeepLabV3PlusConfig, options: ModelBuildOptions): BuiltModel {
  const [height, width] = options.inputShape;
  if (height < config.backbone.outputStride || width < config.backbone.outputStride) {
    throw new UserError(`model '${config.name}': input must be at least ${config.backbone.outputStride}x${config.backbone.outputStride} (output stride), got ${height}x${width}`);
  }
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  const features = resnetBackbone(ctx, input, config.backbone);
  const encoded = aspp(ctx, features.out, config);
  const [, lowHeight, lowWidth] = features.stride4.shape as [null, number, number, number];
  const low = convBnAct(ctx, features.stride4, config.lowLevelChannels, 1, 'decoder_low');
  let x = ctx.resize(encoded, lowHeight, lowWidth, 'decoder_upsample');
  x = tfl.layers.concatenate({ name: 'decoder_concat' }).apply([x, low]) as SymbolicTensor;
  x = convBnAct(ctx, x, config.decoderChannels, 3, 'decoder_1');
  x = convBnAct(ctx, x, config.decoderChannels, 3, 'decoder_2');
  x = ctx.conv(x, options.numClasses, 1, 1, 'logits', { useBias: true, initializer: glorotUniform });
  const logits = ctx.resize(x, height, width, 'logits_upsample');
  return ctx.finish(input, logits, config.name);
}
