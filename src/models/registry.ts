// Models by name, created from config (timm's create_model idea): a sweep is data, not code.
// Two kinds of names: canonical entries (listed by modelNames()), and families named by a pattern
// (wrn<depth>-<width>, densenet<depth>-<k>, efficientnet-b<i>, ...) that resolve any valid member on demand.
import { didYouMean, UserError } from '../engine/errors.js';
import { buildPreActResNet } from './resnet.js';
import { buildWideResNet, wrnBlocksPerGroup } from './wrn.js';
import { buildDenseNetBC, denseLayersPerBlock } from './densenet.js';
import { EFFICIENTNET_VARIANTS, buildEfficientNet } from './efficientnet.js';
import { buildUNet } from './unet.js';
import { buildDeepLabV3Plus, type DeepLabV3PlusConfig } from './deeplabv3plus.js';
import { buildEfficientNetUNet } from './efficientnet-unet.js';
import { buildSsd } from './detection/ssd.js';
import { buildYolo } from './detection/yolo.js';
import { MASKRCNN_R50_FPN, MASKRCNN_SMALL, buildTwoStage } from './detection/mask-rcnn.js';
import type { ModelEntry, ModelPattern } from './types.js';

type BuildOptions = Parameters<ModelEntry['build']>[0];

/** Prefix a builder's validation error with the model name the user gave. */
function validated<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`model '${name}': ${err.message}`);
    throw err;
  }
}

const DROP = String.raw`(?:-drop(0(?:\.\d+)?))?`;
const MULTIPLIER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;

const patterns: ModelPattern[] = [
  {
    family: 'wrn',
    syntax: 'wrn<depth>-<width>[-drop<rate>]',
    description: 'Wide ResNet, depth 6n+4, widths 16k/32k/64k, optional dropout between convs (e.g. wrn28-10, wrn16-4-drop0.3)',
    resolve(name) {
      const m = new RegExp(`^wrn-?(\\d+)-(\\d+)${DROP}$`).exec(name);
      if (!m) return undefined;
      const depth = Number(m[1]);
      const width = Number(m[2]);
      const dropout = m[3] === undefined ? 0 : Number(m[3]);
      validated(name, () => wrnBlocksPerGroup(depth));
      if (width < 1) throw new UserError(`model '${name}': wide resnet width must be >= 1, got ${width}`);
      return {
        name,
        family: 'wrn',
        description: `Wide ResNet-${depth}-${width}, pre-activation basic blocks, ${16 * width}/${32 * width}/${64 * width} channels${dropout > 0 ? `, dropout ${dropout}` : ''}`,
        build: (o: BuildOptions) => buildWideResNet({ depth, width, dropout }, o),
      };
    },
  },
  {
    family: 'densenet',
    syntax: 'densenet<depth>-<k>',
    description: 'DenseNet-BC, depth 6n+4, growth rate k, bottleneck 4k, compression 0.5 (e.g. densenet100-12)',
    resolve(name) {
      const m = /^densenet(?:-bc)?-?(\d+)-(\d+)$/.exec(name);
      if (!m) return undefined;
      const depth = Number(m[1]);
      const growthRate = Number(m[2]);
      validated(name, () => denseLayersPerBlock(depth));
      if (growthRate < 1) throw new UserError(`model '${name}': DenseNet growth rate must be >= 1, got ${growthRate}`);
      return {
        name,
        family: 'densenet',
        description: `DenseNet-BC-${depth} (k=${growthRate}): 3 dense blocks of ${(depth - 4) / 6} bottleneck layers, compression 0.5`,
        build: (o: BuildOptions) => buildDenseNetBC({ depth, growthRate }, o),
      };
    },
  },
  {
    family: 'efficientnet',
    syntax: 'efficientnet-b<0-7>[-se-swish] | efficientnet-w<width>-d<depth>[-se-swish]',
    description:
      'EfficientNet, B0 block layout with compound width/depth multipliers (resolution comes from the dataset); ' +
      '-se-swish keeps the Swish inside squeeze-and-excitation native instead of plugging the activation there',
    resolve(name) {
      const variant = /^efficientnet-(b[0-7])(-se-swish)?$/.exec(name);
      const custom = new RegExp(`^efficientnet-w${MULTIPLIER}-d${MULTIPLIER}(-se-swish)?$`).exec(name);
      if (!variant && !custom) return undefined;
      const coefficients = variant
        ? EFFICIENTNET_VARIANTS[variant[1]!]!
        : { width: Number(custom![1]), depth: Number(custom![2]), dropout: 0.2 };
      const seActivation = (variant ? variant[2] : custom![3]) ? 'swish' : 'plugged';
      if (!(coefficients.width > 0 && coefficients.depth > 0)) {
        throw new UserError(`model '${name}': width and depth multipliers must be > 0`);
      }
      const what = variant ? `EfficientNet-${variant[1]!.toUpperCase()}` : `EfficientNet (width x${coefficients.width}, depth x${coefficients.depth})`;
      return {
        name,
        family: 'efficientnet',
        description: `${what}: MBConv + squeeze-and-excitation, dropout ${coefficients.dropout}, drop-connect 0.2${seActivation === 'swish' ? ', SE Swish kept native' : ''}`,
        build: (o: BuildOptions) => buildEfficientNet({ ...coefficients, dropConnect: 0.2, seActivation, name }, o),
      };
    },
  },
];

/** Canonical names: the paper's models and the small variants that train on a CPU. */
const CANONICAL_PATTERNED = ['wrn16-1', 'wrn16-4', 'wrn28-10', 'wrn40-2', 'densenet40-12', 'densenet100-12', 'efficientnet-b0'];

const entries: ModelEntry[] = [
  ...[20, 32, 44, 56, 110].map((depth) => ({
    name: `resnet${depth}`,
    family: 'resnet',
    description: `pre-activation ResNet-${depth}, basic blocks, 16/32/64 channels (CIFAR-style)`,
    build: (o: BuildOptions) => buildPreActResNet(depth, false, o),
  })),
  {
    name: 'resnet164',
    family: 'resnet',
    description: 'pre-activation ResNet-164, bottleneck blocks (paper Tables 1-3)',
    build: (o) => buildPreActResNet(164, true, o),
  },
  ...CANONICAL_PATTERNED.map((name) => resolvePattern(name)!),
  // Detectors (paper Tables 4-5): BuiltModel.detector carries their targets, loss and decoding.
  {
    name: 'ssd300',
    family: 'ssd',
    task: 'detection',
    inputSize: 300,
    description: 'SSD300 (Liu et al. 2016), VGG16-BN backbone, 8732 priors on 6 maps, MultiBox loss; wants a 300x300 input',
    build: (o) => buildSsd('ssd300', o),
  },
  {
    name: 'ssd-small',
    family: 'ssd',
    task: 'detection',
    inputSize: 64,
    description: 'SSD for 64x64 fashion-scenes on a CPU: VGG-style 16/32/64 channels, 368 priors on 8x8, 4x4, 2x2 maps',
    build: (o) => buildSsd('ssd-small', o),
  },
  {
    name: 'yolov5s',
    family: 'yolo',
    task: 'detection',
    inputSize: 640,
    description: 'YOLOv5s: CSP-Darknet + SPPF + PANet, 3 anchors on P3-P5, CIoU/objectness/class BCE loss; input sides multiples of 32 (640)',
    build: (o) => buildYolo('yolov5s', o),
  },
  {
    name: 'yolo-small',
    family: 'yolo',
    task: 'detection',
    inputSize: 64,
    description: 'YOLOv5 graph at width 1/8, one bottleneck per C3, anchors for 64x64 fashion-scenes (CPU)',
    build: (o) => buildYolo('yolo-small', o),
  },
  {
    name: 'maskrcnn-r50-fpn',
    family: 'maskrcnn',
    task: 'detection',
    inputSize: 800,
    description: 'Mask R-CNN, ResNet-50-FPN (torchvision maskrcnn_resnet50_fpn layout, trained BN), ROIAlign, box + 28x28 mask heads (paper Tables 4-5)',
    build: (o) => buildTwoStage(MASKRCNN_R50_FPN, o, 'maskrcnn-r50-fpn'),
  },
  {
    name: 'maskrcnn-small',
    family: 'maskrcnn',
    task: 'detection',
    inputSize: 64,
    description: 'Mask R-CNN for CPUs (64x64 fashion-scenes): small residual backbone, one stride-4 level, same RPN/ROIAlign/heads',
    build: (o) => buildTwoStage(MASKRCNN_SMALL, o, 'maskrcnn-small'),
  },
];

/** The paper's DeepLabV3+ head (output stride 16), on a ResNet-50 or -101 backbone. */
function deeplabPaper(blocks: [number, number, number, number], name: string): DeepLabV3PlusConfig {
  return {
    backbone: { blocks, width: 64, outputStride: 16 },
    asppRates: [6, 12, 18],
    asppChannels: 256,
    lowLevelChannels: 48,
    decoderChannels: 256,
    dropout: 0.5,
    name,
  };
}

// Tables 6-7: per-pixel logits [N, H, W, classes] at the input resolution. The small variants train on a CPU.
const segmentationEntries: ModelEntry[] = [
  {
    name: 'unet',
    family: 'unet',
    task: 'segmentation',
    description: 'U-Net (Ronneberger 2015): 4 down/up levels, 64-1024 channels, 2x2 up-convs; same padding + BN (input: multiple of 16)',
    build: (o) => buildUNet({ base: 64, levels: 4, name: 'unet' }, o),
  },
  {
    name: 'unet-small',
    family: 'unet',
    task: 'segmentation',
    description: 'U-Net for CPUs: 3 down/up levels, 16-128 channels, same padding + BN (input: multiple of 8)',
    build: (o) => buildUNet({ base: 16, levels: 3, name: 'unet-small' }, o),
  },
  {
    name: 'deeplabv3plus-resnet50',
    family: 'deeplabv3plus',
    task: 'segmentation',
    description: 'DeepLabV3+ (Chen 2018): ResNet-50 at output stride 16, ASPP rates 6/12/18 + image pooling, 48-channel stride-4 decoder',
    build: (o) => buildDeepLabV3Plus(deeplabPaper([3, 4, 6, 3], 'deeplabv3plus-resnet50'), o),
  },
  {
    name: 'deeplabv3plus-resnet101',
    family: 'deeplabv3plus',
    task: 'segmentation',
    description: 'DeepLabV3+ (Chen 2018): ResNet-101 at output stride 16, ASPP rates 6/12/18 + image pooling, 48-channel stride-4 decoder',
    build: (o) => buildDeepLabV3Plus(deeplabPaper([3, 4, 23, 3], 'deeplabv3plus-resnet101'), o),
  },
  {
    name: 'deeplabv3plus-small',
    family: 'deeplabv3plus',
    task: 'segmentation',
    // The paper's rates suit a 33x33 stride-16 map (513-pixel crops); 1/2/3 suit the ~4-8 pixel maps of 64-128 pixel inputs.
    description: 'DeepLabV3+ for CPUs: ResNet with 1 bottleneck per stage (16-128 planes) at output stride 16, ASPP rates 1/2/3 (64 ch), 12-ch low level, 64-ch decoder',
    build: (o) =>
      buildDeepLabV3Plus(
        {
          backbone: { blocks: [1, 1, 1, 1], width: 16, outputStride: 16 },
          asppRates: [1, 2, 3],
          asppChannels: 64,
          lowLevelChannels: 12,
          decoderChannels: 64,
          dropout: 0.5,
          name: 'deeplabv3plus-small',
        },
        o,
      ),
  },
  {
    name: 'efficientnet-b0-unet',
    family: 'efficientnet-unet',
    task: 'segmentation',
    description: 'EfficientNet-B0 encoder + U-Net decoder (256/128/64/32/16), as segmentation_models.pytorch Unet (input: multiple of 32)',
    build: (o) => buildEfficientNetUNet({ width: 1, depth: 1, decoderChannels: [256, 128, 64, 32, 16], name: 'efficientnet-b0-unet' }, o),
  },
  {
    name: 'efficientnet-unet-small',
    family: 'efficientnet-unet',
    task: 'segmentation',
    description: 'EfficientNet (width x0.25, depth x0.25) encoder + U-Net decoder (64/32/16/8/8) for CPUs (input: multiple of 32)',
    build: (o) => buildEfficientNetUNet({ width: 0.25, depth: 0.25, decoderChannels: [64, 32, 16, 8, 8], name: 'efficientnet-unet-small' }, o),
  },
];
entries.push(...segmentationEntries);

const byName = new Map(entries.map((e) => [e.name, e]));

function resolvePattern(name: string): ModelEntry | undefined {
  for (const pattern of patterns) {
    const entry = pattern.resolve(name);
    if (entry) return entry;
  }
  return undefined;
}

/** The canonical model names (patterned families accept more: see modelPatterns()). */
export function modelNames(): string[] {
  return [...byName.keys()];
}

/** The patterned families: how their names look and what they build. */
export function modelPatterns(): { family: string; syntax: string; description: string }[] {
  return patterns.map(({ family, syntax, description }) => ({ family, syntax, description }));
}

/** The model called `name`: a canonical entry or a valid member of a patterned family; a UserError otherwise. */
export function getModel(name: string): ModelEntry {
  const entry = byName.get(name) ?? resolvePattern(name);
  if (entry) return entry;
  const valid = [...byName.keys()].sort().join(', ');
  const families = patterns.map((p) => p.syntax).join('; ');
  throw new UserError(`unknown model '${name}'. Valid models: ${valid}; or a name of the form ${families}${didYouMean(name, [...byName.keys()])}`);
}

/** Does `name` resolve to a model (canonical or patterned, with valid parameters)? */
export function isModelName(name: string): boolean {
  try {
    getModel(name);
    return true;
  } catch (err) {
    if (err instanceof UserError) return false;
    throw err;
  }
}

export function registerModel(entry: ModelEntry): void {
  byName.set(entry.name, entry);
}

/** Add a patterned family; it is tried after the canonical names and the families already registered. */
export function registerModelPattern(pattern: ModelPattern): void {
  patterns.push(pattern);
}
