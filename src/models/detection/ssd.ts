// SSD (Liu et al. 2016, "SSD: Single Shot MultiBox Detector"), the SSD300 layout of amdegroot/ssd.pytorch
// ssd.py: VGG16 up to conv5_3 with pool5 3x3/1, dilated conv6 (3x3, rate 6, 1024) and conv7 (1x1, 1024),
// then the extra layers (1x1 256 -> 3x3/2 512, 1x1 128 -> 3x3/2 256, 1x1 128 -> 3x3 valid 256, twice);
// sources conv4_3 (38x38), conv7 (19), and the four extras (10, 5, 3, 1); one 3x3 conv per source for the
// class scores (numClasses + 1, background first) and one for the offsets, 4/6/6/6/4/4 boxes per cell.
//
// Backbone: VGG16, the paper's, with batch norm after every conv (VGG16-BN). The paper fine-tunes an
// ImageNet VGG16; here every activation site is swapped for the activation under test and the network
// trains from its seeded initialisation, which plain VGG16 does not do reliably at SSD's learning rates
// (ScratchDet, Zhu et al. 2019, shows batch norm is what makes SSD train from scratch). Batch norm on conv4_3
// also takes over the job of the reference's L2Norm layer (rescaling conv4_3's larger activations), so that
// layer is left out.
//
// Every activation site (each conv -> BN -> activation of the backbone and the extras) is its own instance
// of the plugged activation; the heads are linear, as in the reference.
//
// `ssd-small` is the CPU variant for 64x64 fashion-scenes: a VGG-style stack of 16/32/64 channels down to
// 8x8 (1, 1 and 2 convs per stage) and two extra layers (4x4, 2x2), with the SSD300 structure otherwise (see SSD_SMALL_PRIORS).
import { tf, tfl } from '../../engine/tf.js';
import { MaxPool } from '../max-pool.js';
import { AtrousConv2D } from '../atrous-conv.js';
import { UserError } from '../../engine/errors.js';
import { ModelContext, glorotUniform, type SymbolicTensor } from '../blocks.js';
import type { BuiltModel, ModelBuildOptions } from '../types.js';
import { DEFAULT_POSTPROCESS, batchedNms, decodeOffsets, matchPriors } from './boxes.js';
import { multiboxLoss } from './multibox-loss.js';
import { SSD300_PRIORS, SSD_SMALL_PRIORS, boxesPerCell, priorBoxes, type PriorConfig } from './ssd-priors.js';
import type { DetectionLoss, Detections, Detector, DetectorTargets, ImageTruth, PostprocessOptions } from './types.js';

/** ssd.pytorch's matching threshold (MultiBoxLoss overlap_thresh 0.5). */
export const SSD_MATCH_IOU = 0.5;

export type SsdVariant = 'ssd300' | 'ssd-small';

/** Conv (no bias: batch norm follows), BN, activation: one site. `padding` 'valid' for the last extras. */
function convBnAct(ctx: ModelContext, x: SymbolicTensor, filters: number, kernel: number, stride: number, name: string, options: { dilation?: number; padding?: 'same' | 'valid' } = {}): SymbolicTensor {
  if ((options.dilation ?? 1) > 1) {
    // conv6 (dilation 6): tfjs-core's Conv2D gradient rejects dilations > 1 on every backend, so the dilated
    // conv is the project's AtrousConv2D (space-to-batch; same weights, same output), as DeepLabV3+'s.
    const atrous = new AtrousConv2D({
      filters,
      kernelSize: kernel,
      dilationRate: options.dilation!,
      padding: options.padding ?? 'same',
      useBias: false,
      kernelInitializer: tfl.initializers.heNormal({ seed: ctx.rng.nextUint32() }),
      name: `${name}_conv`,
    }).apply(x) as SymbolicTensor;
    return ctx.act(ctx.bn(atrous, `${name}_bn`), `${name}_act`);
  }
  const y = tfl.layers
    .conv2d({
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: options.padding ?? 'same',
      useBias: false,
      kernelInitializer: tfl.initializers.heNormal({ seed: ctx.rng.nextUint32() }),
      name: `${name}_conv`,
    })
    .apply(x) as SymbolicTensor;
  return ctx.act(ctx.bn(y, `${name}_bn`), `${name}_act`);
}

function maxPool(x: SymbolicTensor, size: number, stride: number, name: string): SymbolicTensor {
  // 'same' pooling is Caffe's ceil_mode: 75 -> 38 before conv4 (ssd.pytorch's 'C' pool). The project's MaxPool,
  // not tfl's maxPooling2d: tfjs's WASM MaxPoolGrad misplaces the gradient of windows whose maximum is negative
  // (Swish, ELU, ASH make those) and was a third of ssd-small's step time on WASM.
  return new MaxPool({ poolSize: size, strides: stride, padding: 'same', name }).apply(x) as SymbolicTensor;
}

/** VGG16-BN through conv7 and the four extras: the six sources of SSD300. */
function ssd300Sources(ctx: ModelContext, input: SymbolicTensor): SymbolicTensor[] {
  let x = input;
  const stages: [number, number][] = [[64, 2], [128, 2], [256, 3], [512, 3]];
  stages.forEach(([filters, convs], s) => {
    for (let c = 0; c < convs; c++) x = convBnAct(ctx, x, filters, 3, 1, `conv${s + 1}_${c + 1}`);
    if (s < 3) x = maxPool(x, 2, 2, `pool${s + 1}`);
  });
  const conv43 = x;
  x = maxPool(x, 2, 2, 'pool4');
  for (let c = 0; c < 3; c++) x = convBnAct(ctx, x, 512, 3, 1, `conv5_${c + 1}`);
  x = maxPool(x, 3, 1, 'pool5');
  x = convBnAct(ctx, x, 1024, 3, 1, 'conv6', { dilation: 6 });
  const conv7 = convBnAct(ctx, x, 1024, 1, 1, 'conv7');
  const sources = [conv43, conv7];
  x = conv7;
  const extras: [number, number, number, 'same' | 'valid'][] = [[256, 512, 2, 'same'], [128, 256, 2, 'same'], [128, 256, 1, 'valid'], [128, 256, 1, 'valid']];
  extras.forEach(([squeeze, out, stride, padding], e) => {
    x = convBnAct(ctx, x, squeeze, 1, 1, `extra${e + 1}_1`);
    x = convBnAct(ctx, x, out, 3, stride, `extra${e + 1}_2`, { padding });
    sources.push(x);
  });
  return sources;
}

/** The CPU variant: 64 -> 32 -> 16 -> 8 (source), 4 (source), 2 (source). */
function ssdSmallSources(ctx: ModelContext, input: SymbolicTensor): SymbolicTensor[] {
  let x = input;
  // One conv at the two full-resolution stages (most of the cost on a CPU), two at the third, as VGG's 2-2-3.
  ([[16, 1], [32, 1], [64, 2]] as const).forEach(([filters, convs], s) => {
    for (let c = 0; c < convs; c++) x = convBnAct(ctx, x, filters, 3, 1, `conv${s + 1}_${c + 1}`);
    x = maxPool(x, 2, 2, `pool${s + 1}`);
  });
  const sources = [x];
  for (let e = 0; e < 2; e++) {
    x = convBnAct(ctx, x, 32, 1, 1, `extra${e + 1}_1`);
    x = convBnAct(ctx, x, 64, 3, 2, `extra${e + 1}_2`);
    sources.push(x);
  }
  return sources;
}

/** A 3x3 head conv with bias (xavier, as ssd.pytorch's), reshaped to [N, cells * boxes, width]. */
function head(ctx: ModelContext, x: SymbolicTensor, boxes: number, width: number, name: string): SymbolicTensor {
  const y = tfl.layers
    .conv2d({ filters: boxes * width, kernelSize: 3, padding: 'same', useBias: true, kernelInitializer: glorotUniform(ctx.rng.nextUint32()), name })
    .apply(x) as SymbolicTensor;
  const cells = (y.shape[1] as number) * (y.shape[2] as number);
  return tfl.layers.reshape({ targetShape: [cells * boxes, width], name: `${name}_flat` }).apply(y) as SymbolicTensor;
}

export class SsdDetector implements Detector {
  readonly inputSize: [number, number];
  constructor(
    readonly model: tfl.LayersModel,
    readonly numClasses: number,
    size: number,
    /** Centre-form priors [P, 4], input pixels. */
    readonly priors: Float32Array,
  ) {
    this.inputSize = [size, size];
  }

  get numPriors(): number {
    return this.priors.length / 4;
  }

  encodeTargets(truth: readonly ImageTruth[]): DetectorTargets {
    const p = this.numPriors;
    const offsets = new Float32Array(truth.length * p * 4);
    const labels = new Int32Array(truth.length * p);
    truth.forEach((t, b) => {
      const keep = [...t.flags.keys()].filter((i) => t.flags[i] === 0);
      const boxes = Float32Array.from(keep.flatMap((i) => [...t.boxes.subarray(i * 4, i * 4 + 4)]));
      const classes = Int32Array.from(keep, (i) => t.classes[i]!);
      const m = matchPriors(SSD_MATCH_IOU, boxes, classes, this.priors);
      offsets.set(m.offsets, b * p * 4);
      labels.set(m.labels, b * p);
    });
    return {
      truth,
      tensors: { offsets: tf.tensor3d(offsets, [truth.length, p, 4]), labels: tf.tensor2d(labels, [truth.length, p], 'int32') },
    };
  }

  loss(images: tf.Tensor4D, targets: DetectorTargets): DetectionLoss {
    const [loc, conf] = this.model.apply(images, { training: true }) as [tf.Tensor3D, tf.Tensor3D];
    const l = multiboxLoss(loc, conf, { offsets: targets.tensors.offsets as tf.Tensor3D, labels: targets.tensors.labels as tf.Tensor2D });
    return { total: l.total, parts: { loc: l.loc, conf: l.conf } };
  }

  detect(images: tf.Tensor4D, options: Partial<PostprocessOptions> = {}): Detections[] {
    const n = images.shape[0];
    const p = this.numPriors;
    const c = this.numClasses;
    let locValues: Float32Array = new Float32Array(0);
    let probValues: Float32Array = new Float32Array(0);
    // Nothing is returned from tidy: it would walk every element of the typed arrays looking for tensors.
    tf.tidy(() => {
      const [loc, conf] = this.model.apply(images, { training: false }) as [tf.Tensor3D, tf.Tensor3D];
      // Background is column 0; the object classes' probabilities are the rest.
      const probs = tf.slice(tf.softmax(conf, -1), [0, 0, 1], [n, p, c]);
      locValues = loc.dataSync() as Float32Array;
      probValues = probs.dataSync() as Float32Array;
    });
    return Array.from({ length: n }, (_, b) => {
      const boxes = decodeOffsets(locValues.subarray(b * p * 4, (b + 1) * p * 4), this.priors);
      return batchedNms(boxes, probValues.subarray(b * p * c, (b + 1) * p * c), c, this.inputSize, { ...DEFAULT_POSTPROCESS, ...options });
    });
  }
}

export function buildSsd(variant: SsdVariant, options: ModelBuildOptions): BuiltModel & { detector: SsdDetector } {
  const [h, w] = options.inputShape;
  if (h !== w) throw new UserError(`model '${variant}': SSD needs a square input, got ${h}x${w}`);
  const config: PriorConfig = variant === 'ssd300' ? SSD300_PRIORS : SSD_SMALL_PRIORS;
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  const sources = variant === 'ssd300' ? ssd300Sources(ctx, input) : ssdSmallSources(ctx, input);
  const featureSizes = sources.map((s) => s.shape[1] as number);
  if (featureSizes.some((f) => !(f >= 1))) {
    throw new UserError(`model '${variant}': input ${h}x${w} is too small for its ${sources.length} feature maps (${config.referenceSize}x${config.referenceSize} expected)`);
  }
  const perCell = boxesPerCell(config);
  const locs = sources.map((s, k) => head(ctx, s, perCell[k]!, 4, `loc${k + 1}`));
  const confs = sources.map((s, k) => head(ctx, s, perCell[k]!, options.numClasses + 1, `conf${k + 1}`));
  const loc = tfl.layers.concatenate({ axis: 1, name: 'loc' }).apply(locs) as SymbolicTensor;
  const conf = tfl.layers.concatenate({ axis: 1, name: 'conf' }).apply(confs) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [loc, conf], name: variant });
  const priors = priorBoxes(config, h, featureSizes);
  return { model, activationSites: ctx.activationSites, detector: new SsdDetector(model, options.numClasses, h, priors) };
}
