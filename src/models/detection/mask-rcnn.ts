// A two-stage Mask R-CNN detector (He et al. 2017) after torchvision's maskrcnn_resnet50_fpn, initialisers
// included (biases start at 0 where PyTorch draws them uniformly): backbone (+ FPN), an RPN head shared
// over levels, ROIAlign, a two-FC box head with class-specific regression and a 4-conv + deconv 28x28 mask
// head. The networks are tfjs layers models (every nonlinearity is an activation
// site of the plugged activation); the two-stage logic between them (anchors, target assignment, proposals,
// RoI sampling, ROIAlign plans, post-processing) runs in JavaScript on constants, as the references detach
// proposals.
import { tf, tfl } from '../../engine/tf.js';
import { Rng } from '../../engine/random.js';
import { UserError } from '../../engine/errors.js';
import { createActivation } from '../../activations/registry.js';
import { ModelContext, type SymbolicTensor } from '../blocks.js';
import type { BuiltModel, ModelBuildOptions } from '../types.js';
import { baseAnchors, gridAnchors } from './anchors.js';
import { buildRoiAlignPlan, roiAlign, type FeatureLevel } from './roi-align.js';
import { rpnLoss, rpnProposals, rpnTargets, TORCHVISION_RPN, type RpnOptions } from './rpn.js';
import {
  boxHeadLoss,
  maskLoss,
  maskTargets,
  pasteMask,
  postprocessDetections,
  sampleRois,
  TORCHVISION_ROI_HEADS,
  type ImageTargets,
  type RoiHeadOptions,
} from './roi-heads.js';
import type { DetectionLoss, Detections, Detector, DetectorTargets, ImageTruth, PostprocessOptions } from './types.js';
import { boxCount } from './two-stage-boxes.js';
import { kaimingNormalFanOut, resnet50Fpn, smallBackbone } from './two-stage-backbones.js';

export type { Detections, ImageTruth };

/**
 * The training targets of one image: its objects minus those flagged difficult / crowd (torchvision's COCO
 * recipe drops crowds; VOC's difficult objects are not targets either), with their masks.
 */
export function trainingTargets(truth: ImageTruth, [height, width]: [number, number]): ImageTargets {
  const keep: number[] = [];
  for (let i = 0; i < truth.classes.length; i++) if (!truth.flags[i]) keep.push(i);
  if (keep.length === truth.classes.length) return truth.masks ? { boxes: truth.boxes, classes: truth.classes, masks: truth.masks } : { boxes: truth.boxes, classes: truth.classes };
  const area = height * width;
  const boxes = new Float32Array(4 * keep.length);
  keep.forEach((i, k) => boxes.set(truth.boxes.subarray(4 * i, 4 * i + 4), 4 * k));
  const classes = Int32Array.from(keep, (i) => truth.classes[i]!);
  if (!truth.masks) return { boxes, classes };
  const masks = new Uint8Array(keep.length * area);
  keep.forEach((i, k) => masks.set(truth.masks!.subarray(i * area, (i + 1) * area), k * area));
  return { boxes, classes, masks };
}

/** What a variant of the detector is made of. */
export interface TwoStageSpec {
  backbone: (ctx: ModelContext, image: SymbolicTensor) => SymbolicTensor[];
  /** Anchor sizes of each feature level the backbone returns (one size per level with an FPN). */
  anchorSizes: number[][];
  aspectRatios: number[];
  /** How many of the first levels the RoI heads pool from (FPN: P2..P5 of P2..P6). */
  roiLevels: number;
  rpnChannels: number;
  boxHeadUnits: number;
  maskHeadChannels: number;
  rpn: RpnOptions;
  roiHeads: RoiHeadOptions;
  /** ROIAlign: 7x7 for the box head, 14x14 for the mask head, 28x28 masks, 2 samples per bin, aligned. */
  boxPool: number;
  maskPool: number;
  samplingRatio: number;
  aligned: boolean;
  /** Input height and width must be multiples of this (the coarsest level's stride before P6, so FPN sums line up). */
  sizeDivisor: number;
}

/** torchvision's maskrcnn_resnet50_fpn: anchors 32..512 on P2..P6, ratios 0.5/1/2, 1024-unit box head, 256-channel mask head. */
export const MASKRCNN_R50_FPN: TwoStageSpec = {
  backbone: resnet50Fpn,
  anchorSizes: [[32], [64], [128], [256], [512]],
  aspectRatios: [0.5, 1, 2],
  roiLevels: 4,
  rpnChannels: 256,
  boxHeadUnits: 1024,
  maskHeadChannels: 256,
  rpn: TORCHVISION_RPN,
  roiHeads: TORCHVISION_ROI_HEADS,
  boxPool: 7,
  maskPool: 14,
  samplingRatio: 2,
  aligned: true,
  sizeDivisor: 32,
};

/**
 * The CPU variant for 64x64 fashion-scenes (1-3 items, 28x28 at most before scale jitter): one stride-4 level
 * (16x16 cells, 2,304 anchors of sizes 8/16/32), and every count scaled to a scene instead of a COCO image.
 * torchvision samples 256 of ~200k anchors for the RPN, keeps 2,000 proposals (1,000 at test) and samples 512
 * RoIs of them per image (up to 128 positive) for ~7 objects an image. Here: 64 anchors; 300 -> 100 proposals
 * in training, 200 -> 50 at test (about 15-50 proposals per item, as torchvision's 1,000 / 7 objects); 32 RoIs
 * per image, at most 8 positive: still several per item, and each positive also runs the mask head, whose
 * 16 channels (torchvision 256 for 256-channel features; the box head keeps the same 4:1 ratio of 256 units
 * to 64 channels x 7 x 7) keep it from costing more than the backbone. Measured per training scene
 * (bench/profile-detector.ts): 64 RoIs and 32 mask channels cost about twice this.
 */
export const MASKRCNN_SMALL: TwoStageSpec = {
  backbone: smallBackbone,
  anchorSizes: [[8, 16, 32]],
  aspectRatios: [0.5, 1, 2],
  roiLevels: 1,
  rpnChannels: 64,
  boxHeadUnits: 256,
  maskHeadChannels: 16,
  rpn: { ...TORCHVISION_RPN, batchPerImage: 64, preNmsTopN: { train: 300, test: 200 }, postNmsTopN: { train: 100, test: 50 } },
  roiHeads: { ...TORCHVISION_ROI_HEADS, batchPerImage: 32 },
  boxPool: 7,
  maskPool: 14,
  samplingRatio: 2,
  aligned: true,
  sizeDivisor: 4,
};

/** FPN's RoI-to-level rule (torchvision LevelMapper): k = floor(4 + log2(sqrt(area) / 224) + 1e-6), clamped to P2..P5. */
export function fpnLevel(box: ArrayLike<number>, offset: number, levels: number): number {
  if (levels === 1) return 0;
  const area = (box[offset + 2]! - box[offset]!) * (box[offset + 3]! - box[offset + 1]!);
  const k = Math.floor(4 + Math.log2(Math.sqrt(Math.max(area, 0)) / 224) + 1e-6);
  return Math.min(Math.max(k, 2), 2 + levels - 1) - 2;
}

const normalInit = (std: number, seed: number) => tfl.initializers.randomNormal({ mean: 0, stddev: std, seed });
/** PyTorch's nn.Linear default (kaiming_uniform_ with a = sqrt(5): U(+-1/sqrt(fan_in))), which torchvision's box head keeps. */
const linearDefault = (seed: number) => tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed });

export interface DetectionLosses {
  rpnObjectness: tf.Scalar;
  rpnBox: tf.Scalar;
  classification: tf.Scalar;
  box: tf.Scalar;
  /** Absent when no positive RoI of the batch has a GT mask. */
  mask?: tf.Scalar;
}

/** The two-stage detector over its three networks (weights shared with the combined `model`). */
export class TwoStageDetector implements Detector {
  readonly inputSize: [number, number];
  readonly numClasses: number;
  readonly trainsMasks = true;
  private readonly levels: FeatureLevel[];
  private readonly anchors: Float32Array[];
  private readonly allAnchors: Float32Array;
  private readonly rng: Rng;

  constructor(
    private readonly trunk: tfl.LayersModel,
    private readonly boxHead: tfl.LayersModel,
    private readonly maskHead: tfl.LayersModel,
    private readonly spec: TwoStageSpec,
    inputSize: [number, number],
    numClasses: number,
    seed: number,
  ) {
    this.inputSize = inputSize;
    this.numClasses = numClasses;
    const featureShapes = trunk.outputs.slice(0, spec.anchorSizes.length).map((o) => o.shape as number[]);
    this.levels = featureShapes.map(([, h, w]) => ({ height: h!, width: w!, scale: w! / inputSize[1] }));
    this.anchors = this.levels.map((l, i) => gridAnchors(baseAnchors(spec.anchorSizes[i]!, spec.aspectRatios), l.height, l.width, Math.round(1 / l.scale)));
    this.allAnchors = new Float32Array(this.anchors.reduce((s, a) => s + a.length, 0));
    let at = 0;
    for (const a of this.anchors) {
      this.allAnchors.set(a, at);
      at += a.length;
    }
    // Sampling of anchors and RoIs: its own stream, so it never shifts initialisation or data order.
    this.rng = new Rng(seed).fork('two-stage-sampling');
  }

  private get anchorsPerCell(): number {
    return this.spec.aspectRatios.length * this.spec.anchorSizes[0]!.length;
  }

  /** Backbone features and RPN outputs: features per level, objectness [N, A_l], deltas [N, A_l, 4]. */
  private runTrunk(images: tf.Tensor4D, training: boolean): { features: tf.Tensor4D[]; objectness: tf.Tensor[]; deltas: tf.Tensor[] } {
    const outs = this.trunk.apply(images, { training }) as tf.Tensor[];
    const l = this.levels.length;
    const n = images.shape[0];
    const a = this.anchorsPerCell;
    return {
      features: outs.slice(0, l) as tf.Tensor4D[],
      objectness: outs.slice(l, 2 * l).map((t, i) => tf.reshape(t, [n, this.levels[i]!.height * this.levels[i]!.width * a])),
      deltas: outs.slice(2 * l, 3 * l).map((t, i) => tf.reshape(t, [n, this.levels[i]!.height * this.levels[i]!.width * a, 4])),
    };
  }

  private pool(features: tf.Tensor4D[], boxes: Float32Array, images: Int32Array, size: number): tf.Tensor4D {
    const roiLevels = this.levels.slice(0, this.spec.roiLevels);
    const levels = Int32Array.from({ length: images.length }, (_, r) => fpnLevel(boxes, 4 * r, roiLevels.length));
    const plan = buildRoiAlignPlan(roiLevels, features[0]!.shape[0], { boxes, images, levels }, {
      outputSize: [size, size],
      samplingRatio: this.spec.samplingRatio,
      aligned: this.spec.aligned,
    });
    return roiAlign(features.slice(0, roiLevels.length), plan);
  }

  private checkTargets(images: tf.Tensor4D, truth: readonly ImageTruth[]): ImageTargets[] {
    const [, h, w] = images.shape;
    if (h !== this.inputSize[0] || w !== this.inputSize[1]) throw new Error(`detector built for ${this.inputSize.join('x')} inputs, got ${h}x${w}`);
    if (truth.length !== images.shape[0]) throw new Error(`${images.shape[0]} images but ground truth for ${truth.length}`);
    for (const t of truth) {
      if (t.masks && t.masks.length !== t.classes.length * h * w) throw new Error(`masks hold ${t.masks.length} values, expected ${t.classes.length}x${h}x${w}`);
    }
    const targets = truth.map((t) => trainingTargets(t, this.inputSize));
    for (const t of targets) {
      const count = boxCount(t.boxes);
      if (t.classes.length !== count) throw new Error(`${count} boxes but ${t.classes.length} classes`);
      for (let i = 0; i < count; i++) {
        const c = t.classes[i]!;
        if (!(Number.isInteger(c) && c >= 0 && c < this.numClasses)) throw new Error(`class ${c} outside 0..${this.numClasses - 1}`);
      }
    }
    return targets;
  }

  /**
   * The five losses of a training step (torchvision's loss dict), for logging. The caller owns every tensor
   * this creates (call it inside tf.tidy); training goes through `loss`.
   */
  losses(images: tf.Tensor4D, truth: readonly ImageTruth[]): DetectionLosses {
    const targets = this.checkTargets(images, truth);
    const { features, objectness, deltas } = this.runTrunk(images, true);
    const rpnT = rpnTargets(this.allAnchors, targets.map((t) => t.boxes), this.spec.rpn, this.rng);
    const rpn = rpnLoss(tf.concat(objectness, 1), tf.concat(deltas, 1), rpnT);
    const proposals = rpnProposals(objectness, deltas, this.anchors, this.inputSize, true, this.spec.rpn);
    const rois = sampleRois(proposals, targets, this.spec.roiHeads, this.rng);
    const [classLogits, boxDeltas] = this.boxHead.apply(this.pool(features, rois.boxes, rois.images, this.spec.boxPool), { training: true }) as tf.Tensor[];
    const head = boxHeadLoss(classLogits!, boxDeltas!, rois);
    const out: DetectionLosses = { rpnObjectness: rpn.objectness, rpnBox: rpn.box, classification: head.classification, box: head.box };
    // The mask branch sees only the positive RoIs of images that have masks.
    const withMasks: number[] = [];
    rois.labels.forEach((label, r) => {
      if (label > 0 && targets[rois.images[r]!]!.masks) withMasks.push(r);
    });
    if (withMasks.length > 0) {
      const boxes = new Float32Array(4 * withMasks.length);
      withMasks.forEach((r, k) => boxes.set(rois.boxes.subarray(4 * r, 4 * r + 4), 4 * k));
      const images = Int32Array.from(withMasks, (r) => rois.images[r]!);
      const maskSize = 2 * this.spec.maskPool;
      const logits = this.maskHead.apply(this.pool(features, boxes, images, this.spec.maskPool), { training: true }) as tf.Tensor;
      const targetMasks = maskTargets(rois, withMasks, targets, this.inputSize, maskSize);
      out.mask = maskLoss(logits, Int32Array.from(withMasks, (r) => rois.labels[r]!), targetMasks);
    }
    return out;
  }

  /**
   * Nothing to precompute: the RPN and RoI targets depend on the current proposals, so they are assigned
   * inside `loss` (on constants, outside the gradient path, as the references do).
   */
  encodeTargets(truth: readonly ImageTruth[]): DetectorTargets {
    return { truth, tensors: {} };
  }

  /** The training loss: the five losses summed with weight 1 (torchvision), and each of them as a part. */
  loss(images: tf.Tensor4D, targets: DetectorTargets): DetectionLoss {
    const l = this.losses(images, targets.truth);
    const parts: Record<string, tf.Scalar> = { rpnObjectness: l.rpnObjectness, rpnBox: l.rpnBox, classification: l.classification, box: l.box };
    if (l.mask) parts.mask = l.mask;
    return { total: tf.addN(Object.values(parts)) as tf.Scalar, parts };
  }

  /**
   * Detections per image (inference mode: batch norm uses its running statistics). `options` override the
   * score floor (default 0.01), the per-class NMS IoU (0.5) and the detections kept (100); preNmsTopK is
   * not used (torchvision keeps every candidate above the floor).
   */
  detect(images: tf.Tensor4D, options: Partial<PostprocessOptions> = {}): Detections[] {
    const n = images.shape[0];
    const post: RoiHeadOptions = {
      ...this.spec.roiHeads,
      ...(options.scoreThreshold !== undefined ? { scoreThreshold: options.scoreThreshold } : {}),
      ...(options.iouThreshold !== undefined ? { nmsThreshold: options.iouThreshold } : {}),
      ...(options.maxDetections !== undefined ? { detectionsPerImage: options.maxDetections } : {}),
    };
    const results: Detections[] = [];
    const [h, w] = this.inputSize;
    tf.tidy(() => {
      const { features, objectness, deltas } = this.runTrunk(images, false);
      const proposals = rpnProposals(objectness, deltas, this.anchors, this.inputSize, false, this.spec.rpn);
      const boxes = new Float32Array(proposals.reduce((s, p) => s + p.length, 0));
      const owners: number[] = [];
      let at = 0;
      proposals.forEach((p, image) => {
        boxes.set(p, at);
        at += p.length;
        for (let i = 0; i < boxCount(p); i++) owners.push(image);
      });
      const [classLogits, boxDeltas] = this.boxHead.apply(this.pool(features, boxes, Int32Array.from(owners), this.spec.boxPool)) as tf.Tensor[];
      const probabilities = tf.softmax(classLogits!).dataSync() as Float32Array;
      const allDeltas = boxDeltas!.dataSync() as Float32Array;
      const k = this.numClasses + 1;
      let start = 0;
      for (let image = 0; image < n; image++) {
        const count = boxCount(proposals[image]!);
        results.push(
          postprocessDetections(
            probabilities.subarray(start * k, (start + count) * k),
            allDeltas.subarray(start * k * 4, (start + count) * k * 4),
            proposals[image]!,
            this.inputSize,
            post,
          ),
        );
        start += count;
      }
      // Masks of the detections: the mask head on the detected boxes, the predicted class's channel pasted.
      const detBoxes = new Float32Array(results.reduce((s, d) => s + d.boxes.length, 0));
      const detOwners: number[] = [];
      at = 0;
      results.forEach((d, image) => {
        detBoxes.set(d.boxes, at);
        at += d.boxes.length;
        for (let i = 0; i < d.scores.length; i++) detOwners.push(image);
      });
      const size = 2 * this.spec.maskPool;
      if (detOwners.length > 0) {
        const logits = this.maskHead.apply(this.pool(features, detBoxes, Int32Array.from(detOwners), this.spec.maskPool)) as tf.Tensor;
        // maskrcnn_inference: the sigmoid of each detection's own class channel, picked before reading back.
        const labels = Int32Array.from(results.flatMap((d) => Array.from(d.classes, (c) => c + 1)));
        const own = tf.sum(tf.mul(logits, tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), k), [labels.length, 1, 1, k])), 3);
        const probs = tf.sigmoid(own).dataSync() as Float32Array;
        let row = 0;
        for (const d of results) {
          d.masks = new Uint8Array(d.scores.length * h * w);
          for (let i = 0; i < d.scores.length; i++, row++) {
            pasteMask(probs.subarray(row * size * size, (row + 1) * size * size), size, d.boxes.subarray(4 * i, 4 * i + 4), this.inputSize, d.masks, i * h * w);
          }
        }
      } else {
        for (const d of results) d.masks = new Uint8Array(0);
      }
    });
    return results;
  }
}

/** What the builder returns: the combined layers model, its activation sites and the detector over it. */
export interface TwoStageModel extends BuiltModel {
  detector: TwoStageDetector;
}

/**
 * Builds the networks of `spec` for `options.numClasses` foreground classes (the heads add background as
 * class 0). `model` takes [image, box-head RoI features, mask-head RoI features] and returns every output,
 * so it holds each weight once (for parameter counts, saving and the optimiser); the detector runs the
 * trunk and heads separately on the same layers.
 */
export function buildTwoStage(spec: TwoStageSpec, options: ModelBuildOptions, name: string): TwoStageModel {
  const [height, width] = options.inputShape;
  if (height % spec.sizeDivisor !== 0 || width % spec.sizeDivisor !== 0) {
    throw new UserError(`model '${name}': input ${height}x${width} must be a multiple of ${spec.sizeDivisor} in both sides (pad the images, as torchvision does)`);
  }
  const ctx = new ModelContext(options);
  const seed = () => ctx.rng.nextUint32();
  const image = tfl.input({ shape: options.inputShape, name: 'image' });
  const features = spec.backbone(ctx, image);
  const channels = features[0]!.shape[3]!;
  const anchorsPerCell = spec.aspectRatios.length * spec.anchorSizes[0]!.length;

  // RPN head: one conv + activation + two 1x1 predictors, the same layers on every level (one site).
  const rpnConv = tfl.layers.conv2d({ filters: spec.rpnChannels, kernelSize: 3, padding: 'same', kernelInitializer: normalInit(0.01, seed()), name: 'rpn_conv' });
  ctx.activationSites.push('rpn_act');
  const rpnAct = createActivation(options.activation, 'rpn_act');
  const rpnCls = tfl.layers.conv2d({ filters: anchorsPerCell, kernelSize: 1, kernelInitializer: normalInit(0.01, seed()), name: 'rpn_objectness' });
  const rpnBox = tfl.layers.conv2d({ filters: 4 * anchorsPerCell, kernelSize: 1, kernelInitializer: normalInit(0.01, seed()), name: 'rpn_deltas' });
  const rpnHidden = features.map((f) => rpnAct.apply(rpnConv.apply(f)) as SymbolicTensor);
  const objectness = rpnHidden.map((t) => rpnCls.apply(t) as SymbolicTensor);
  const deltas = rpnHidden.map((t) => rpnBox.apply(t) as SymbolicTensor);

  // Box head (TwoMLPHead + FastRCNNPredictor), class-specific regression over K + 1 classes.
  const k = options.numClasses + 1;
  const boxInput = tfl.input({ shape: [spec.boxPool, spec.boxPool, channels], name: 'box_rois' });
  let b = tfl.layers.flatten({ name: 'box_flatten' }).apply(boxInput) as SymbolicTensor;
  b = ctx.act(ctx.dense(b, spec.boxHeadUnits, 'box_fc6', linearDefault), 'box_act6');
  b = ctx.act(ctx.dense(b, spec.boxHeadUnits, 'box_fc7', linearDefault), 'box_act7');
  const classLogits = ctx.dense(b, k, 'box_class_logits', linearDefault);
  const boxDeltas = ctx.dense(b, 4 * k, 'box_deltas', linearDefault);

  // Mask head (MaskRCNNHeads + MaskRCNNPredictor): 4 x (3x3 conv + activation), 2x2 stride-2 deconv + activation, 1x1 logits.
  const maskInput = tfl.input({ shape: [spec.maskPool, spec.maskPool, channels], name: 'mask_rois' });
  let m: SymbolicTensor = maskInput;
  for (let i = 1; i <= 4; i++) {
    m = tfl.layers.conv2d({ filters: spec.maskHeadChannels, kernelSize: 3, padding: 'same', kernelInitializer: kaimingNormalFanOut(seed()), name: `mask_fcn${i}` }).apply(m) as SymbolicTensor;
    m = ctx.act(m, `mask_act${i}`);
  }
  m = tfl.layers
    .conv2dTranspose({ filters: spec.maskHeadChannels, kernelSize: 2, strides: 2, padding: 'valid', kernelInitializer: kaimingNormalFanOut(seed()), name: 'mask_deconv' })
    .apply(m) as SymbolicTensor;
  m = ctx.act(m, 'mask_act5');
  const maskLogits = tfl.layers.conv2d({ filters: k, kernelSize: 1, kernelInitializer: kaimingNormalFanOut(seed()), name: 'mask_logits' }).apply(m) as SymbolicTensor;

  const trunkOutputs = [...features, ...objectness, ...deltas];
  const trunk = tfl.model({ inputs: image, outputs: trunkOutputs, name: `${name}-trunk` });
  const boxHead = tfl.model({ inputs: boxInput, outputs: [classLogits, boxDeltas], name: `${name}-box-head` });
  const maskHead = tfl.model({ inputs: maskInput, outputs: maskLogits, name: `${name}-mask-head` });
  const model = tfl.model({ inputs: [image, boxInput, maskInput], outputs: [...trunkOutputs, classLogits, boxDeltas, maskLogits], name });
  const detector = new TwoStageDetector(trunk, boxHead, maskHead, spec, [options.inputShape[0], options.inputShape[1]], options.numClasses, options.seed);
  return { model, activationSites: ctx.activationSites, keptActivations: ctx.keptActivations, detector };
}
