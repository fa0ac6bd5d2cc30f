// EfficientNet (Tan & Le 2019), following the reference TF/Keras implementation: stem conv3x3 s2 (32),
// 16 MBConv blocks (B0), head conv1x1 (1280), global pooling, dropout, linear classifier.
// MBConv: [expand conv1x1 -> BN -> act] -> depthwise kxk -> BN -> act -> squeeze-and-excitation
// (pool -> dense -> act -> dense -> sigmoid gate -> scale) -> project conv1x1 -> BN -> [drop-connect + identity].
//
// Activation sites: every native Swish becomes the plugged activation, including the one inside SE
// (it is a Swish in the original, so it is a nonlinearity of the network like the others); `seActivation:
// 'swish'` keeps that one native instead. The SE sigmoid is a gate (a multiplicative attention weight in
// [0, 1]), not a nonlinearity the paper replaces, and stays; so does the softmax, which the loss applies.
// SE runs on the pooled [N, C] vector with dense layers (same weights as Keras's 1x1 convs on [N, 1, 1, C]),
// so per-sample activation statistics are over the C squeezed channels (ASH with per-channel statistics
// refuses such a rank-2 site with a clear error: use the -se-swish variant for that option).
import { tfl } from '../engine/tf.js';
import { UserError } from '../engine/errors.js';
import { ModelContext, heFanOut, uniformFanOutThird, type SymbolicTensor } from './blocks.js';
import type { BuiltModel, ModelBuildOptions } from './types.js';

export interface StageArgs {
  kernel: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expand: number;
  stride: number;
}

/** The B0 stages (the reference implementation's DEFAULT_BLOCKS_ARGS); every block has SE ratio 0.25. */
export const B0_STAGES: StageArgs[] = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expand: 1, stride: 1 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expand: 6, stride: 2 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expand: 6, stride: 2 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expand: 6, stride: 2 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expand: 6, stride: 1 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expand: 6, stride: 2 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expand: 6, stride: 1 },
];
const SE_RATIO = 0.25;
export const BN_EPSILON = 1e-3;

export interface EfficientNetConfig {
  /** Channel multiplier (B0: 1.0). */
  width: number;
  /** Block-repeat multiplier (B0: 1.0). */
  depth: number;
  /** Dropout before the classifier (B0: 0.2). */
  dropout: number;
  /** Largest drop-connect rate, reached by the last block (reference: 0.2). */
  dropConnect: number;
  /** 'plugged' (default): SE's inner Swish is an activation site; 'swish': it stays native. */
  seActivation?: 'plugged' | 'swish';
  name: string;
}

/** Compound-scaling coefficients of B0..B7 (width, depth, dropout); the resolution comes from the dataset. */
export const EFFICIENTNET_VARIANTS: Record<string, { width: number; depth: number; dropout: number }> = {
  b0: { width: 1.0, depth: 1.0, dropout: 0.2 },
  b1: { width: 1.0, depth: 1.1, dropout: 0.2 },
  b2: { width: 1.1, depth: 1.2, dropout: 0.3 },
  b3: { width: 1.2, depth: 1.4, dropout: 0.3 },
  b4: { width: 1.4, depth: 1.8, dropout: 0.4 },
  b5: { width: 1.6, depth: 2.2, dropout: 0.4 },
  b6: { width: 1.8, depth: 2.6, dropout: 0.5 },
  b7: { width: 2.0, depth: 3.1, dropout: 0.5 },
};

/** The reference round_filters: scale, round to a multiple of 8, never more than 10% below the scaled value. */
export function roundFilters(filters: number, width: number, divisor = 8): number {
  const scaled = filters * width;
  let rounded = Math.max(divisor, Math.floor((scaled + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * scaled) rounded += divisor;
  return rounded;
}

export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}

function squeezeExcite(
  ctx: ModelContext,
  x: SymbolicTensor,
  blockInFilters: number,
  seActivation: 'plugged' | 'swish',
  name: string,
): SymbolicTensor {
  const channels = x.shape[x.shape.length - 1]!;
  const squeezed = Math.max(1, Math.floor(blockInFilters * SE_RATIO));
  let s = tfl.layers.globalAveragePooling2d({ name: `${name}_se_squeeze` }).apply(x) as SymbolicTensor;
  s = ctx.dense(s, squeezed, `${name}_se_reduce`, heFanOut);
  s = seActivation === 'plugged' ? ctx.act(s, `${name}_se_act`) : ctx.keep(s, 'swish', `${name}_se_swish`);
  s = ctx.dense(s, channels, `${name}_se_expand`, heFanOut);
  s = ctx.keep(s, 'sigmoid', `${name}_se_gate`);
  s = tfl.layers.reshape({ targetShape: [1, 1, channels], name: `${name}_se_reshape` }).apply(s) as SymbolicTensor;
  return tfl.layers.multiply({ name: `${name}_se_excite` }).apply([x, s]) as SymbolicTensor;
}

function mbConv(
  ctx: ModelContext,
  x: SymbolicTensor,
  args: StageArgs,
  dropConnect: number,
  seActivation: 'plugged' | 'swish',
  name: string,
): SymbolicTensor {
  const expanded = args.filtersIn * args.expand;
  let y = x;
  if (args.expand !== 1) {
    y = ctx.conv(y, expanded, 1, 1, `${name}_expand_conv`, { initializer: heFanOut });
    y = ctx.act(ctx.bn(y, `${name}_expand_bn`, BN_EPSILON), `${name}_expand_act`);
  }
  y = ctx.depthwiseConv(y, args.kernel, args.stride, `${name}_dwconv`, { initializer: heFanOut });
  y = ctx.act(ctx.bn(y, `${name}_bn`, BN_EPSILON), `${name}_act`);
  y = squeezeExcite(ctx, y, args.filtersIn, seActivation, name);
  y = ctx.conv(y, args.filtersOut, 1, 1, `${name}_project_conv`, { initializer: heFanOut });
  y = ctx.bn(y, `${name}_project_bn`, BN_EPSILON);
  if (args.stride === 1 && args.filtersIn === args.filtersOut) {
    y = ctx.dropout(y, dropConnect, `${name}_drop`, { perSample: true });
    y = tfl.layers.add({ name: `${name}_add` }).apply([y, x]) as SymbolicTensor;
  }
  return y;
}

export type EfficientNetTrunkConfig = Pick<EfficientNetConfig, 'width' | 'depth' | 'dropConnect' | 'seActivation'>;

export interface EfficientNetTrunk {
  /** The stem's activated output (stride 2). */
  stem: SymbolicTensor;
  /** The output of each of the 7 stages' last block (strides 2, 4, 8, 16, 16, 32, 32). */
  stages: SymbolicTensor[];
}

/** Stem and MBConv stages, without the 1x1 head conv: the classifier's body and the segmenters' encoder. */
export function efficientNetTrunk(ctx: ModelContext, input: SymbolicTensor, config: EfficientNetTrunkConfig): EfficientNetTrunk {
  const { width, depth } = config;
  if (!(width > 0 && depth > 0)) throw new UserError(`EfficientNet width and depth multipliers must be > 0, got ${width} and ${depth}`);
  const seActivation = config.seActivation ?? 'plugged';
  let x = ctx.conv(input, roundFilters(32, width), 3, 2, 'stem_conv', { initializer: heFanOut });
  x = ctx.act(ctx.bn(x, 'stem_bn', BN_EPSILON), 'stem_act');
  const stem = x;
  const stages: SymbolicTensor[] = [];

  const totalBlocks = B0_STAGES.reduce((sum, s) => sum + roundRepeats(s.repeats, depth), 0);
  let blockIndex = 0;
  B0_STAGES.forEach((stage, stageIndex) => {
    const repeats = roundRepeats(stage.repeats, depth);
    for (let i = 0; i < repeats; i++) {
      const args: StageArgs = {
        ...stage,
        // Only the first block of a stage changes the width and the resolution.
        filtersIn: i === 0 ? roundFilters(stage.filtersIn, width) : roundFilters(stage.filtersOut, width),
        filtersOut: roundFilters(stage.filtersOut, width),
        stride: i === 0 ? stage.stride : 1,
      };
      // Drop-connect grows linearly with depth, as in the reference implementation.
      const rate = (config.dropConnect * blockIndex) / totalBlocks;
      x = mbConv(ctx, x, args, rate, seActivation, `block${stageIndex + 1}${String.fromCharCode(97 + i)}`);
      blockIndex++;
    }
    stages.push(x);
  });
  return { stem, stages };
}

export function buildEfficientNet(config: EfficientNetConfig, options: ModelBuildOptions): BuiltModel {
  const { width, depth } = config;
  if (!(width > 0 && depth > 0)) throw new UserError(`EfficientNet width and depth multipliers must be > 0, got ${width} and ${depth}`);
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  const { stages } = efficientNetTrunk(ctx, input, config);
  let x = stages[stages.length - 1]!;
  x = ctx.conv(x, roundFilters(1280, width), 1, 1, 'top_conv', { initializer: heFanOut });
  x = ctx.act(ctx.bn(x, 'top_bn', BN_EPSILON), 'top_act');
  const logits = ctx.head(x, options.numClasses, { dropout: config.dropout, initializer: uniformFanOutThird });
  return ctx.finish(input, logits, config.name);
}
