// A YOLOv5 detector (ultralytics/yolov5 v6+, models/yolov5s.yaml, models/common.py, models/yolo.py).
//
// Why YOLOv5 with anchors and objectness, not YOLOX: the paper's Table 4-5 header names YOLOv5 (its text
// says YOLOv4, which has the same anchor-based, objectness design and CIoU loss on a CSP backbone), so the
// anchor-based v5 is the closer reference; its assignment (anchor-ratio match plus two neighbour cells) is
// also deterministic and cheap on the host, where SimOTA's dynamic-k matching would need a cost matrix per
// image per step.
//
// Layout (yolov5s.yaml, depth 0.33, width 0.50): CSP-Darknet backbone of Conv (conv -> BN -> activation)
// and C3 blocks (CSP bottlenecks), SPPF (three chained 5x5 max-pools), a PANet neck (top-down with
// nearest upsampling, bottom-up with stride-2 convs), and a Detect head: one 1x1 conv with bias per level
// (P3/8, P4/16, P5/32) giving 3 anchors x (x, y, w, h, objectness, classes), with the biases initialised
// as Detect._initialize_biases (objectness ~ 8 objects per image, classes ~ 0.6 / nc). Each Conv's SiLU is
// an activation site (each its own instance of the plugged activation); the Detect convs are linear.
// One difference: _initialize_biases assumes a 640 input; here the objectness prior uses the actual input
// side, so the CPU variant starts from the same ~8 objects per image.
//
// Decoding (Detect.forward at inference): xy = (2 sigmoid - 0.5 + cell) * stride, wh = (2 sigmoid)^2 * anchor,
// score of class c = sigmoid(obj) * sigmoid(cls_c); then per-class NMS with val.py's settings (score > 0.001,
// IoU 0.6, 300 per image).
//
// `yolo-small`: the CPU variant for 64x64 fashion-scenes: the same graph at width 1/8 (8..128 channels),
// one bottleneck per C3, and anchors sized for 8-28 pixel items.
import { tf, tfl } from '../../engine/tf.js';
import { MaxPool } from '../max-pool.js';
import { NearestUpsample } from '../nearest-upsample.js';
import { UserError } from '../../engine/errors.js';
import { ModelContext, type SymbolicTensor } from '../blocks.js';
import type { BuiltModel, ModelBuildOptions } from '../types.js';
import { batchedNms } from './boxes.js';
import { assignTargets, objectnessWeights, predictionTable, yoloGains, yoloLoss, type PredictionTable, type YoloGains } from './yolo-loss.js';
import type { DetectionLoss, Detections, Detector, DetectorTargets, ImageTruth, PostprocessOptions } from './types.js';

export type YoloVariant = 'yolov5s' | 'yolo-small';

interface YoloConfig {
  /** Channel multiplier and C3 depth multiplier of yolov5<size>.yaml. */
  width: number;
  depth: number;
  /** Anchor [w, h] pairs in input pixels, per level P3, P4, P5. */
  anchors: [number, number][][];
}

const CONFIGS: Record<YoloVariant, YoloConfig> = {
  // models/yolov5s.yaml; anchors P3/8 [10,13, 16,30, 33,23], P4/16 [30,61, 62,45, 59,119], P5/32 [116,90, 156,198, 373,326].
  yolov5s: {
    width: 0.5,
    depth: 0.33,
    anchors: [[[10, 13], [16, 30], [33, 23]], [[30, 61], [62, 45], [59, 119]], [[116, 90], [156, 198], [373, 326]]],
  },
  'yolo-small': {
    width: 0.125,
    depth: 0.11,
    anchors: [[[8, 12], [12, 8], [12, 16]], [[16, 12], [16, 24], [24, 16]], [[20, 28], [28, 20], [28, 28]]],
  },
};

export const YOLO_POSTPROCESS: PostprocessOptions = { scoreThreshold: 0.001, iouThreshold: 0.6, preNmsTopK: 1000, maxDetections: 300 };
const STRIDES = [8, 16, 32];

/**
 * PyTorch's default conv initialisation (kaiming_uniform with a = sqrt(5): U(+-1/sqrt(fan_in))), which
 * YOLOv5 keeps (initialize_weights leaves convs alone).
 */
const torchDefault = (seed: number): ReturnType<typeof tfl.initializers.heNormal> => tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed });

/** yolo.py parse_model: channels to a multiple of 8 after the width multiplier. */
const channels = (c: number, width: number): number => Math.ceil((c * width) / 8) * 8;
/** parse_model: repeats max(round(n * depth), 1). */
const repeats = (n: number, depth: number): number => Math.max(Math.round(n * depth), 1);

class YoloBuilder {
  constructor(readonly ctx: ModelContext) {}

  /** common.py Conv: conv (no bias, 'same' padding as autopad) -> BN (eps 1e-3) -> activation site. */
  conv(x: SymbolicTensor, filters: number, kernel: number, stride: number, name: string): SymbolicTensor {
    const y = tfl.layers
      .conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: torchDefault(this.ctx.rng.nextUint32()), name: `${name}_conv` })
      .apply(x) as SymbolicTensor;
    return this.ctx.act(this.ctx.bn(y, `${name}_bn`, 1e-3), `${name}_act`);
  }

  /** common.py C3: two 1x1 branches, n Bottlenecks (1x1 -> 3x3, residual if shortcut) on one, concat, 1x1. */
  c3(x: SymbolicTensor, filters: number, n: number, shortcut: boolean, name: string): SymbolicTensor {
    const hidden = filters / 2;
    let a = this.conv(x, hidden, 1, 1, `${name}_cv1`);
    const b = this.conv(x, hidden, 1, 1, `${name}_cv2`);
    for (let i = 0; i < n; i++) {
      let y = this.conv(a, hidden, 1, 1, `${name}_m${i}_cv1`);
      y = this.conv(y, hidden, 3, 1, `${name}_m${i}_cv2`);
      a = shortcut ? (tfl.layers.add({ name: `${name}_m${i}_add` }).apply([a, y]) as SymbolicTensor) : y;
    }
    const cat = tfl.layers.concatenate({ name: `${name}_cat` }).apply([a, b]) as SymbolicTensor;
    return this.conv(cat, filters, 1, 1, `${name}_cv3`);
  }

  /** common.py SPPF: 1x1 to half, three chained 5x5/1 max-pools, concat of all four, 1x1. */
  sppf(x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
    const inC = x.shape[x.shape.length - 1] as number;
    const a = this.conv(x, inC / 2, 1, 1, `${name}_cv1`);
    const pool = (t: SymbolicTensor, i: number): SymbolicTensor => new MaxPool({ poolSize: 5, strides: 1, padding: 'same', name: `${name}_pool${i}` }).apply(t) as SymbolicTensor;
    const y1 = pool(a, 1);
    const y2 = pool(y1, 2);
    const y3 = pool(y2, 3);
    const cat = tfl.layers.concatenate({ name: `${name}_cat` }).apply([a, y1, y2, y3]) as SymbolicTensor;
    return this.conv(cat, filters, 1, 1, `${name}_cv2`);
  }
}

/** The backbone and neck of yolov5s.yaml: outputs P3, P4, P5 features. */
function yoloFeatures(b: YoloBuilder, input: SymbolicTensor, cfg: YoloConfig): SymbolicTensor[] {
  const ch = (c: number): number => channels(c, cfg.width);
  const n = (k: number): number => repeats(k, cfg.depth);
  // nn.Upsample(None, 2, 'nearest'). Not tfl.layers.upSampling2d: its gradient is wrong on the cpu backend for
  // batches over 1 (see nearest-upsample.ts), and the cpu backend is the reference the WASM gradients are tested against.
  const up = (x: SymbolicTensor, name: string): SymbolicTensor => new NearestUpsample({ factor: 2, name }).apply(x) as SymbolicTensor;
  const cat = (xs: SymbolicTensor[], name: string): SymbolicTensor => tfl.layers.concatenate({ name }).apply(xs) as SymbolicTensor;
  let x = b.conv(input, ch(64), 6, 2, 'b0'); // P1/2
  x = b.conv(x, ch(128), 3, 2, 'b1'); // P2/4
  x = b.c3(x, ch(128), n(3), true, 'b2');
  x = b.conv(x, ch(256), 3, 2, 'b3'); // P3/8
  const p3 = b.c3(x, ch(256), n(6), true, 'b4');
  x = b.conv(p3, ch(512), 3, 2, 'b5'); // P4/16
  const p4 = b.c3(x, ch(512), n(9), true, 'b6');
  x = b.conv(p4, ch(1024), 3, 2, 'b7'); // P5/32
  x = b.c3(x, ch(1024), n(3), true, 'b8');
  x = b.sppf(x, ch(1024), 'b9');
  const h10 = b.conv(x, ch(512), 1, 1, 'h10');
  x = b.c3(cat([up(h10, 'h11'), p4], 'h12'), ch(512), n(3), false, 'h13');
  const h14 = b.conv(x, ch(256), 1, 1, 'h14');
  const out3 = b.c3(cat([up(h14, 'h15'), p3], 'h16'), ch(256), n(3), false, 'h17');
  x = b.conv(out3, ch(256), 3, 2, 'h18');
  const out4 = b.c3(cat([x, h14], 'h19'), ch(512), n(3), false, 'h20');
  x = b.conv(out4, ch(512), 3, 2, 'h21');
  const out5 = b.c3(cat([x, h10], 'h22'), ch(1024), n(3), false, 'h23');
  return [out3, out4, out5];
}

export class YoloDetector implements Detector {
  readonly inputSize: [number, number];
  readonly table: PredictionTable;
  readonly gains: YoloGains;
  private readonly objWeights: Float32Array;

  constructor(
    readonly model: tfl.LayersModel,
    readonly numClasses: number,
    inputSize: [number, number],
    table: PredictionTable,
  ) {
    this.inputSize = inputSize;
    this.table = table;
    this.gains = yoloGains(table.levels.length, numClasses, Math.max(...inputSize));
    this.objWeights = objectnessWeights(table);
  }

  encodeTargets(truth: readonly ImageTruth[]): DetectorTargets {
    const a = assignTargets(this.table, truth);
    const m = a.classes.length;
    return {
      truth,
      tensors: {
        flatIndex: tf.tensor1d(a.flatIndex, 'int32'),
        box: tf.tensor2d(a.box, [m, 4]),
        anchor: tf.tensor2d(a.anchor, [m, 2]),
        classes: tf.tensor1d(a.classes, 'int32'),
        weight: tf.tensor1d(a.weight),
        objWeight: tf.tensor1d(this.objWeights),
      },
    };
  }

  loss(images: tf.Tensor4D, targets: DetectorTargets): DetectionLoss {
    const raw = this.model.apply(images, { training: true }) as tf.Tensor3D;
    const t = targets.tensors;
    const assignment = {
      flatIndex: t.flatIndex!.dataSync() as Int32Array,
      box: t.box!.dataSync() as Float32Array,
      anchor: t.anchor!.dataSync() as Float32Array,
      classes: t.classes!.dataSync() as Int32Array,
      weight: t.weight!.dataSync() as Float32Array,
    };
    const l = yoloLoss(raw, assignment, t.objWeight as tf.Tensor1D, this.gains);
    return { total: l.total, parts: { box: l.box, obj: l.obj, cls: l.cls } };
  }

  /** Decoded boxes [N, P, 4] (corners, pixels) and class scores [N, P, nc] (obj * cls). */
  decodeRaw(raw: tf.Tensor3D): [tf.Tensor3D, tf.Tensor3D] {
    const [n, p, width] = raw.shape;
    const { table } = this;
    const grid = new Float32Array(p * 2);
    const anchorWh = new Float32Array(p * 2);
    const stride = new Float32Array(p);
    for (let k = 0; k < p; k++) {
      const level = table.levels[table.level[k]!]!;
      grid[k * 2] = table.gx[k]!;
      grid[k * 2 + 1] = table.gy[k]!;
      anchorWh.set(level.anchors[table.anchor[k]!]!, k * 2);
      stride[k] = level.stride;
    }
    const s = tf.sigmoid(raw);
    const strides = tf.tensor3d(stride, [1, p, 1]);
    const xy = tf.mul(tf.add(tf.sub(tf.mul(tf.slice(s, [0, 0, 0], [n, p, 2]), 2), 0.5), tf.tensor3d(grid, [1, p, 2])), strides);
    const wh = tf.mul(tf.square(tf.mul(tf.slice(s, [0, 0, 2], [n, p, 2]), 2)), tf.tensor3d(anchorWh, [1, p, 2]));
    const half = tf.div(wh, 2);
    const boxes = tf.concat([tf.sub(xy, half), tf.add(xy, half)], 2) as tf.Tensor3D;
    const scores = tf.mul(tf.slice(s, [0, 0, 4], [n, p, 1]), tf.slice(s, [0, 0, 5], [n, p, width - 5])) as tf.Tensor3D;
    return [boxes, scores];
  }

  detect(images: tf.Tensor4D, options: Partial<PostprocessOptions> = {}): Detections[] {
    const n = images.shape[0];
    const p = this.table.count;
    const c = this.numClasses;
    let boxValues: Float32Array = new Float32Array(0);
    let scoreValues: Float32Array = new Float32Array(0);
    // Nothing is returned from tidy: it would walk every element of the typed arrays looking for tensors.
    tf.tidy(() => {
      const [boxes, scores] = this.decodeRaw(this.model.apply(images, { training: false }) as tf.Tensor3D);
      boxValues = boxes.dataSync() as Float32Array;
      scoreValues = scores.dataSync() as Float32Array;
    });
    return Array.from({ length: n }, (_, b) =>
      batchedNms(boxValues.subarray(b * p * 4, (b + 1) * p * 4), scoreValues.subarray(b * p * c, (b + 1) * p * c), c, this.inputSize, { ...YOLO_POSTPROCESS, ...options }),
    );
  }
}

export function buildYolo(variant: YoloVariant, options: ModelBuildOptions): BuiltModel & { detector: YoloDetector } {
  const [h, w] = options.inputShape;
  if (h % 32 !== 0 || w % 32 !== 0) throw new UserError(`model '${variant}': input sides must be multiples of 32 (the P5 stride), got ${h}x${w}`);
  const cfg = CONFIGS[variant];
  const nc = options.numClasses;
  const ctx = new ModelContext(options);
  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  const features = yoloFeatures(new YoloBuilder(ctx), input, cfg);
  const levels = features.map((f, i) => ({ stride: STRIDES[i]!, ny: f.shape[1] as number, nx: f.shape[2] as number, anchors: cfg.anchors[i]! }));
  const heads = features.map((f, i) => {
    const na = levels[i]!.anchors.length;
    const y = tfl.layers
      .conv2d({ filters: na * (5 + nc), kernelSize: 1, useBias: true, kernelInitializer: torchDefault(ctx.rng.nextUint32()), name: `detect${i + 3}` })
      .apply(f) as SymbolicTensor;
    return tfl.layers.reshape({ targetShape: [levels[i]!.ny * levels[i]!.nx * na, 5 + nc], name: `detect${i + 3}_flat` }).apply(y) as SymbolicTensor;
  });
  const out = tfl.layers.concatenate({ axis: 1, name: 'predictions' }).apply(heads) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out, name: variant });
  // Detect._initialize_biases: objectness log(8 / cells), classes log(0.6 / (nc - 0.99)).
  levels.forEach((level, i) => {
    const layer = model.getLayer(`detect${i + 3}`);
    const [kernel, bias] = layer.getWeights();
    const values = bias!.dataSync().slice();
    const cells = (h / level.stride) * (w / level.stride);
    for (let a = 0; a < level.anchors.length; a++) {
      values[a * (5 + nc) + 4]! += Math.log(8 / cells);
      for (let c = 0; c < nc; c++) values[a * (5 + nc) + 5 + c]! += Math.log(0.6 / (nc - 0.99));
    }
    const newBias = tf.tensor1d(values);
    layer.setWeights([kernel!, newBias]);
    newBias.dispose();
  });
  const table = predictionTable(levels);
  return { model, activationSites: ctx.activationSites, detector: new YoloDetector(model, nc, [h, w], table) };
}
