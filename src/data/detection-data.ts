// Detection training and evaluation data: images at the detector's input size (uint8 NHWC), ground truth in
// input pixels as corner boxes, and what the evaluator needs to map back to the original image.
//
// Batches are ragged, not padded: `truth[i]` holds image i's own objects. The targets are built on the host
// (prior matching, anchor assignment), which reads plain arrays, so padding would only add a count to
// carry and a sentinel to skip.
//
// Resizing warps the whole image to the input size (no letterbox), as ssd.pytorch's Resize transform does;
// boxes scale with it and `meta` keeps the factors. VOC `difficult` and COCO `iscrowd` flags ride along in
// `truth[i].flags` (the detectors skip flagged objects in training; the evaluators decide at test time).
// Instance masks come with fashion-scenes (its class mask cut by each object's box: items never overlap)
// and with COCO (each object's segmentation rasterised as pycocotools does when its image is read, one
// mask per object since COCO objects overlap); VOC detection batches have none.
//
// Training augmentation is augment-scene's flip and scale jitter (resize by a random factor, then crop or
// pad back to the input size), applied after the resize so that boxes, pixels and masks move together.
import type { Rng } from '../engine/random.js';
import { UserError } from '../engine/errors.js';
import { decodeRgb } from './decode.js';
import { augmentScene, resizeScene, type Scene, type SceneAugment } from './augment-scene.js';
import { decodeInstanceMasks } from './coco-segmentation.js';
import { loadFashionScenes, type SceneSplit } from './fashion-scenes.js';
import { loadVocDetection } from './voc.js';
import { loadCoco } from './coco.js';
import type { DetectionData, DetectionRecord, ReaderOptions } from './types.js';

/** One image's ground truth in input pixels (the shape of models/detection/types.ts ImageTruth). */
export interface BatchTruth {
  /** [x0, y0, x1, y1] per object. */
  boxes: Float32Array;
  classes: Int32Array;
  flags: Uint8Array;
  /** objects * height * width, 1 inside the object, when the source has masks. */
  masks?: Uint8Array;
}

export interface ImageMeta {
  id: string;
  /** The original image's size. */
  width: number;
  height: number;
  /** Input pixels per original pixel: x_input = x_original * scaleX (evaluation maps detections back). */
  scaleX: number;
  scaleY: number;
}

export interface DetectionBatch {
  /** [count, height, width, channels] uint8. */
  images: Uint8Array;
  shape: [number, number, number, number];
  truth: BatchTruth[];
  meta: ImageMeta[];
}

/** A split that yields one image (as a Scene: HWC pixels, [x, y, w, h] boxes, class mask) at a time. */
export interface DetectionSource {
  count: number;
  channels: number;
  id(index: number): string;
  /** `masks: false`: the caller has no use for instance masks, so a source that would decode them (COCO) does not. */
  scene(index: number, options?: { masks?: boolean }): Promise<Scene>;
}

/** fashion-scenes pixels already in memory: grey canvases with their class masks. */
export function sceneSource(split: SceneSplit, canvas: number): DetectionSource {
  const area = canvas * canvas;
  return {
    count: split.records.length,
    channels: 1,
    id: (i) => split.records[i]!.id,
    scene: async (i) => {
      const r = split.records[i]!;
      return {
        width: canvas,
        height: canvas,
        channels: 1,
        pixels: split.images.subarray(i * area, (i + 1) * area),
        boxes: r.boxes,
        classes: r.classes,
        flags: r.flags,
        mask: split.masks.subarray(i * area, (i + 1) * area),
      };
    },
  };
}

/** VOC / COCO records: each image decoded from its file to RGB when asked for, COCO's masks rasterised with it. */
export function recordSource(records: DetectionRecord[]): DetectionSource {
  return {
    count: records.length,
    channels: 3,
    id: (i) => records[i]!.id,
    scene: async (i, options) => {
      const r = records[i]!;
      const image = await decodeRgb(r.file);
      if (image.width !== r.width || image.height !== r.height) {
        throw new UserError(`${r.file}: image is ${image.width}x${image.height} but its annotation says ${r.width}x${r.height}`);
      }
      const scene: Scene = { width: r.width, height: r.height, channels: 3, pixels: image.data, boxes: r.boxes, classes: r.classes, flags: r.flags };
      return r.segmentations && options?.masks !== false ? { ...scene, instanceMasks: decodeInstanceMasks(r.segmentations) } : scene;
    },
  };
}

/** The splits each detection dataset trains and tests on (VOC: 07+12 trainval / 07 test; COCO: train2017 / val2017). */
const SPLITS: Record<string, { train: string[]; test: string[] }> = {
  'voc-detection': { train: ['VOC2007/trainval', 'VOC2012/trainval'], test: ['VOC2007/test'] },
  coco: { train: ['train2017'], test: ['val2017'] },
};

/** The training and test records of a parsed VOC or COCO dataset; a UserError naming what is missing. */
export function trainTestRecords(data: DetectionData): { train: DetectionRecord[]; test: DetectionRecord[] } {
  const plan = SPLITS[data.dataset];
  if (!plan) throw new UserError(`dataset '${data.dataset}': no train/test split plan for detection (expected one of ${Object.keys(SPLITS).join(', ')})`);
  const pick = (names: string[], role: string): DetectionRecord[] => {
    const present = names.filter((n) => data.splits[n]);
    if (present.length === 0) {
      throw new UserError(`${data.source[0] ?? data.dataset}: no ${names.join(' or ')} split for ${role} (found: ${Object.keys(data.splits).join(', ') || 'none'})`);
    }
    return present.flatMap((n) => data.splits[n]!);
  };
  return { train: pick(plan.train, 'training'), test: pick(plan.test, 'testing') };
}

/** Instance masks from a class mask: object k's pixels are those inside its box carrying its class + 1. */
export function instanceMasks(scene: Scene): Uint8Array | undefined {
  if (!scene.mask) return undefined;
  const { width: w, height: h } = scene;
  const n = scene.classes.length;
  const out = new Uint8Array(n * w * h);
  for (let k = 0; k < n; k++) {
    const x0 = Math.max(0, Math.floor(scene.boxes[k * 4]!));
    const y0 = Math.max(0, Math.floor(scene.boxes[k * 4 + 1]!));
    const x1 = Math.min(w, Math.ceil(scene.boxes[k * 4]! + scene.boxes[k * 4 + 2]!));
    const y1 = Math.min(h, Math.ceil(scene.boxes[k * 4 + 1]! + scene.boxes[k * 4 + 3]!));
    const label = scene.classes[k]! + 1;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (scene.mask[y * w + x] === label) out[k * w * h + y * w + x] = 1;
  }
  return out;
}

export interface BatchOptions {
  /** [height, width] of the detector's input. */
  inputSize: [number, number];
  /** Training augmentation (flip, scale jitter); absent for evaluation. */
  augment?: { rng: Rng; flip: boolean; scale: [number, number]; minBoxSide?: number };
  /**
   * Whether the truth carries instance masks (default true). Only a detector with a mask head reads them, and
   * for COCO they cost a rasterisation per object plus its resize and augmentation, so the others say false.
   */
  masks?: boolean;
}

/** The images at `indices`, resized (and augmented when asked) to the input size, with their truth and meta. */
export async function readDetectionBatch(source: DetectionSource, indices: ArrayLike<number>, options: BatchOptions): Promise<DetectionBatch> {
  const [h, w] = options.inputSize;
  const c = source.channels;
  const n = indices.length;
  const images = new Uint8Array(n * h * w * c);
  const truth: BatchTruth[] = [];
  const meta: ImageMeta[] = [];
  for (let b = 0; b < n; b++) {
    const index = indices[b]!;
    const wantMasks = options.masks !== false;
    const original = await source.scene(index, { masks: wantMasks });
    let scene = original.width === w && original.height === h ? original : resizeScene(original, w, h);
    if (options.augment) {
      const a: SceneAugment = { flip: options.augment.flip, scale: options.augment.scale, outWidth: w, outHeight: h, minBoxSide: options.augment.minBoxSide ?? 2 };
      scene = augmentScene(scene, options.augment.rng, a);
    }
    images.set(scene.pixels, b * h * w * c);
    const boxes = new Float32Array(scene.boxes.length);
    for (let i = 0; i < scene.boxes.length; i += 4) {
      boxes.set([scene.boxes[i]!, scene.boxes[i + 1]!, scene.boxes[i]! + scene.boxes[i + 2]!, scene.boxes[i + 1]! + scene.boxes[i + 3]!], i);
    }
    const masks = wantMasks ? (scene.instanceMasks ?? instanceMasks(scene)) : undefined;
    truth.push({ boxes, classes: scene.classes, flags: scene.flags, ...(masks ? { masks } : {}) });
    meta.push({ id: source.id(index), width: original.width, height: original.height, scaleX: w / original.width, scaleY: h / original.height });
  }
  return { images, shape: [n, h, w, c], truth, meta };
}

/** The batch's pixels as float32 NHWC, (v / 255 - mean[c]) / std[c]: what Detector.loss and detect take. */
export function normalisedImages(batch: DetectionBatch, mean: readonly number[], std: readonly number[]): Float32Array {
  const c = batch.shape[3];
  if (mean.length !== c || std.length !== c) throw new Error(`normalisation: ${mean.length} means / ${std.length} stds for ${c} channels`);
  return Float32Array.from(batch.images, (v, i) => (v / 255 - mean[i % c]!) / std[i % c]!);
}

/** Per-channel mean and std of pixel / 255 over a split's grey canvases (fashion-scenes' normalisation). */
export function greyStats(split: SceneSplit): { mean: number[]; std: number[] } {
  let sum = 0;
  let sq = 0;
  for (const v of split.images) {
    sum += v;
    sq += v * v;
  }
  const count = split.images.length * 255 * 255;
  const mean = sum / (split.images.length * 255);
  return { mean: [mean], std: [Math.sqrt(Math.max(1e-12, sq / count - mean * mean))] };
}

/** ImageNet statistics, the usual normalisation for VOC and COCO detectors (torchvision's detection models use them). */
export const IMAGENET_STATS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** What a detection run needs from a dataset: the two sources, the test ground truth, the normalisation. */
export interface OpenedDetectionData {
  dataset: string;
  classNames: string[];
  train: DetectionSource;
  test: DetectionSource;
  /** The test images' ground truth in original pixels ([x, y, w, h], flags), for the evaluators. */
  testRecords: DetectionRecord[];
  /** Per-channel mean and std of pixel / 255 (normalisedImages). */
  mean: number[];
  std: number[];
  source: string[];
}

/** Open fashion-scenes, voc-detection or coco for detection training; limits cut each split's image count. */
export async function openDetectionData(dataset: string, options: ReaderOptions = {}): Promise<OpenedDetectionData> {
  if (dataset === 'fashion-scenes') {
    const data = await loadFashionScenes(options);
    const train = data.pixels.train!;
    const test = data.pixels.test!;
    return { dataset, classNames: data.classNames, train: sceneSource(train, data.canvas), test: sceneSource(test, data.canvas), testRecords: test.records, ...greyStats(train), source: data.source };
  }
  let data: DetectionData;
  if (dataset === 'voc-detection') data = await loadVocDetection(options);
  else if (dataset === 'coco') data = await loadCoco(options);
  else throw new UserError(`dataset '${dataset}' is not a detection dataset (expected fashion-scenes, voc-detection or coco)`);
  const { train, test } = trainTestRecords(data);
  const trainRecords = options.trainLimit === undefined ? train : train.slice(0, options.trainLimit);
  const testRecords = options.testLimit === undefined ? test : test.slice(0, options.testLimit);
  return { dataset, classNames: data.classNames, train: recordSource(trainRecords), test: recordSource(testRecords), testRecords, ...IMAGENET_STATS, source: data.source };
}
