// EfficientNet encoder with a U-Net decoder: the paper's "EfficientNet" segmenter.
//
// Why a U-Net decoder (not FPN or DeepLab): the paper names only "EfficientNet" for segmentation, and
// segmentation_models.pytorch's Unet with an efficientnet encoder is the common EfficientNet segmentation
// baseline; its layout is followed here:
//   encoder: EfficientNet's stem and 7 MBConv stages (efficientnet.ts, with its drop-connect and SE), no
//            1x1 head conv; skips at stride 2 (the stem's output), 4, 8 and 16 (the last block of stages
//            2, 3 and 5), the bottom at stride 32 (stage 7). smp taps B0's stride-16 feature after block5a
//            (its stage index 9); we take the last block at that resolution, as for every other variant
//            (smp's B1-B7 indices do the same); the channel counts, and so the parameters, are the same;
//   decoder: 5 blocks (256, 128, 64, 32, 16 channels): nearest x2 upsampling, concatenation with the skip of
//            that resolution (none in the last), conv3x3 -> BN -> act twice;
//   head:    a 3x3 conv to the class logits at the input resolution.
// Activation sites: all of the encoder's (as in the classifier, SE Swish included) and every decoder ReLU.
import { tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import { ModelContext, glorotUniform, type SymbolicTensor } from './blocks.js';
import { efficientNetTrunk } from './efficientnet.js';
import { NearestUpsample } from './nearest-upsample.js';
import type { BuiltModel, ModelBuildOptions } from './types.js';

export interface EfficientNetUNetConfig {
  /** Encoder width and depth multipliers (B0: 1, 1). */
  width: number;
  depth: number;
  /** Channels of the five decoder blocks, from stride 16 to stride 1 (smp: 256, 128, 64, 32, 16). */
  decoderChannels: [number, number, number, number, number];
  seActivation?: 'plugged' | 'swish';
  name: string;
}

/** The encoder's stride: the input must be a multiple of it. */
const ENCODER_STRIDE = 32;

function convBnAct(ctx: ModelContext, x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  return ctx.act(ctx.bn(ctx.conv(x, filters, 3, 1, `${name}_conv`), `${name}_bn`), `${name}_act`);
}

export function buildEfficientNetUNet(config: EfficientNetUNetConfig, options: ModelBuildOptions): BuiltModel {
  const [height, width] = options.inputShape;
  if (height % ENCODER_STRIDE !== 0 || width % ENCODER_STRIDE !== 0) {
    throw new UserError(`model '${config.name}': input height and width must be multiples of ${ENCODER_STRIDE} (the encoder's stride), got ${height}x${width}`);
  }
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  const { stem, stages } = efficientNetTrunk(ctx, input, { width: config.width, depth: config.depth, dropConnect: 0.2, seActivation: config.seActivation });
  // Strides 16, 8, 4, 2: stage 5, stage 3, stage 2, stem.
  const skips = [stages[4]!, stages[2]!, stages[1]!, stem];
  let x = stages[6]!;
  config.decoderChannels.forEach((filters, i) => {
    const name = `decoder${i + 1}`;
    x = new NearestUpsample({ factor: 2, name: `${name}_upsample` }).apply(x) as SymbolicTensor;
    const skip = skips[i];
    if (skip) x = tfl.layers.concatenate({ name: `${name}_concat` }).apply([x, skip]) as SymbolicTensor;
    x = convBnAct(ctx, x, filters, `${name}_1`);
    x = convBnAct(ctx, x, filters, `${name}_2`);
  });
  const logits = ctx.conv(x, options.numClasses, 3, 1, 'logits', { useBias: true, initializer: glorotUniform });
  return ctx.finish(input, logits, config.name);
}
