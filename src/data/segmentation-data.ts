// Semantic segmentation datasets as in-memory frames for the training loop (segmentation-types.ts):
// - fashion-scenes: background + the 10 Fashion-MNIST classes on a 64x64 grey canvas (fashion-scenes.ts).
//   Stored, trained and scored at the canvas size: there is nothing to resize back.
// - voc-segmentation: PASCAL VOC 2012 train / val (ImageSets/Segmentation), 21 classes, 255 = border;
//   `augmented` adds SBD's aug.txt / SegmentationClassAug (mmseg's pascal_voc12_aug).
// - ade20k: ADEChallengeData2016 training / validation, 150 classes with reduce-zero-label (mask.ts).
// VOC and ADE20K photos are letterboxed into a square frame of `imageSize` (the longer side fills it,
// letterbox.ts). Training rescales the stored content by 0.5-2 and crops `cropSize` (segmentation-batches.ts).
// Evaluation runs on the whole frame; the logits of the content region are then resized bilinearly to the
// label's original size and only then argmaxed and scored against the original label (logitsToLabels in
// tasks/segmentation), as mmseg scores at the original size. mmseg's own test view resizes the shorter
// side to 512 (Resize scale (2048, 512)); ours fits the longer side to `imageSize`, the same view training
// sees at scale factor 1, so the two agree with each other at any frame size a CPU can afford.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../engine/errors.js';
import { loadAde20k } from './ade20k.js';
import { decodeRgb } from './decode.js';
import { FASHION_CLASSES, loadFashionScenes } from './fashion-scenes.js';
import { letterboxInto } from './letterbox.js';
import { mapLimit } from './map-limit.js';
import { readMask, type MaskEncoding } from './mask.js';
import type { SegmentationAugment, SegmentationLoadOptions, SegmentationSplit, SegmentationTrainingData } from './segmentation-types.js';
import { IGNORE_INDEX, type SegmentationRecord } from './types.js';
import { VOC_SEG_CLASSES, findVocYears, loadVocSegmentation } from './voc.js';

export const DEFAULT_FRAME = 256;
/** mmseg's data_preprocessor mean / std (123.675, 116.28, 103.53 / 58.395, 57.12, 57.375) over 255: ImageNet's. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** mmseg's VOC and ADE20K recipe: ratio_range (0.5, 2.0), cat_max_ratio 0.75, flip 0.5. */
export function photoAugment(cropSize: number): SegmentationAugment {
  return { scale: [0.5, 2], cropSize, flip: true, catMaxRatio: 0.75 };
}

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v > 0)) throw new UserError(`${what} must be a positive integer, got ${v}`);
  return v;
}

/** Decode every record (image + mask) into letterboxed frames; the original masks are kept for scoring. */
export async function readSegmentationSplit(records: SegmentationRecord[], encoding: MaskEncoding, numClasses: number, size: number): Promise<SegmentationSplit> {
  const count = records.length;
  const images = new Uint8Array(count * size * size * 3);
  const masks = new Uint8Array(count * size * size);
  const contentSizes = new Int32Array(2 * count);
  const originalMasks = await mapLimit(records, 4, async (record, i) => {
    const [image, mask] = await Promise.all([decodeRgb(record.imageFile), readMask(record.maskFile, encoding, numClasses)]);
    if (image.width !== mask.width || image.height !== mask.height) {
      throw new UserError(`${record.maskFile}: ${mask.width}x${mask.height}, but its image ${record.imageFile} is ${image.width}x${image.height}`);
    }
    const placed = letterboxInto(image.data, mask.data, image.height, image.width, 3, size, images, masks, i);
    contentSizes[2 * i] = placed.contentHeight;
    contentSizes[2 * i + 1] = placed.contentWidth;
    return mask;
  });
  return { count, size, channels: 3, images, masks, contentSizes, originalMasks, ids: records.map((r) => r.id) };
}

const limit = <T>(items: T[], n: number | undefined): T[] => (n === undefined ? items : items.slice(0, n));

function photoData(dataset: string, classNames: string[], train: SegmentationSplit, val: SegmentationSplit, cropSize: number, source: string[]): SegmentationTrainingData {
  return {
    dataset,
    numClasses: classNames.length,
    classNames,
    inputShape: [cropSize, cropSize, 3],
    evalShape: [train.size, train.size, 3],
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    ignoreIndex: IGNORE_INDEX,
    augment: photoAugment(cropSize),
    train,
    val,
    source,
  };
}

/** The ids of a VOC list file (first column), naming the file when it is missing. */
async function readIds(file: string): Promise<string[]> {
  if (!existsSync(file)) throw new UserError(`${file}: missing (the SBD-augmented set needs mmseg's aug.txt and SegmentationClassAug/)`);
  return (await readFile(file, 'utf8')).split(/\r?\n/).map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
}

export async function loadVocSegmentationData(options: SegmentationLoadOptions = {}): Promise<SegmentationTrainingData> {
  const size = positiveInt(options.imageSize, DEFAULT_FRAME, 'imageSize');
  const cropSize = positiveInt(options.cropSize, size, 'cropSize');
  const data = await loadVocSegmentation(options);
  // The latest year with both segmentation lists (VOC2012 in a full devkit).
  const year = findVocYears(options.dataDir ?? 'data')
    .reverse()
    .find((dir) => data.splits[`${dir.split(/[\\/]/).pop()}/train`] && data.splits[`${dir.split(/[\\/]/).pop()}/val`]);
  if (!year) throw new UserError(`${options.dataDir ?? 'data'}: no VOC year with both ImageSets/Segmentation/train.txt and val.txt`);
  const name = year.split(/[\\/]/).pop()!;
  let trainRecords = data.splits[`${name}/train`]!;
  const source = [join(year, 'ImageSets', 'Segmentation', 'train.txt'), join(year, 'ImageSets', 'Segmentation', 'val.txt')];
  if (options.augmented) {
    // mmseg's pascal_voc12_aug: ConcatDataset of train.txt (SegmentationClass) and aug.txt (SegmentationClassAug).
    const augList = join(year, 'ImageSets', 'Segmentation', 'aug.txt');
    const aug = (await readIds(augList)).map((id) => {
      const maskFile = join(year, 'SegmentationClassAug', `${id}.png`);
      if (!existsSync(maskFile)) throw new UserError(`${augList}: lists '${id}' but ${maskFile} does not exist`);
      return { id, imageFile: join(year, 'JPEGImages', `${id}.jpg`), maskFile };
    });
    trainRecords = [...trainRecords, ...aug];
    source.push(augList);
  }
  const numClasses = VOC_SEG_CLASSES.length;
  const train = await readSegmentationSplit(limit(trainRecords, options.trainLimit), 'voc', numClasses, size);
  const val = await readSegmentationSplit(limit(data.splits[`${name}/val`]!, options.testLimit), 'voc', numClasses, size);
  return photoData('voc-segmentation', VOC_SEG_CLASSES, train, val, cropSize, source);
}

export async function loadAde20kData(options: SegmentationLoadOptions = {}): Promise<SegmentationTrainingData> {
  const size = positiveInt(options.imageSize, DEFAULT_FRAME, 'imageSize');
  const cropSize = positiveInt(options.cropSize, size, 'cropSize');
  const data = await loadAde20k(options);
  const training = data.splits.training;
  const validation = data.splits.validation;
  if (!training || !validation) throw new UserError(`${data.source[0]}: needs both images/training and images/validation`);
  const numClasses = data.classNames.length;
  const train = await readSegmentationSplit(limit(training, options.trainLimit), 'ade20k', numClasses, size);
  const val = await readSegmentationSplit(limit(validation, options.testLimit), 'ade20k', numClasses, size);
  return photoData('ade20k', data.classNames, train, val, cropSize, data.source);
}

/** Per-channel mean and std of pixel / 255 over a split's images (all of each frame: scenes have no padding). */
function pixelStats(images: Uint8Array): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  for (const v of images) {
    sum += v;
    sq += v * v;
  }
  const n = images.length;
  const mean = sum / n / 255;
  return { mean, std: Math.sqrt(Math.max(sq / n / 65025 - mean * mean, 1e-12)) };
}

export async function loadFashionScenesSegmentation(options: SegmentationLoadOptions = {}): Promise<SegmentationTrainingData> {
  const scenes = await loadFashionScenes({ dataDir: options.dataDir, trainLimit: options.trainLimit, testLimit: options.testLimit, scenes: options.scenes });
  const size = scenes.canvas;
  const cropSize = positiveInt(options.cropSize, size, 'cropSize');
  const split = (name: 'train' | 'test'): SegmentationSplit => {
    const pixels = scenes.pixels[name]!;
    const count = pixels.records.length;
    return {
      count,
      size,
      channels: 1,
      images: pixels.images,
      masks: pixels.masks,
      contentSizes: Int32Array.from({ length: 2 * count }, () => size),
      ids: pixels.records.map((r) => r.id),
    };
  };
  const train = split('train');
  // Mean and std of the training scenes (mostly black canvas), not Fashion-MNIST's (whole 28x28 items).
  const stats = pixelStats(train.images);
  return {
    dataset: 'fashion-scenes',
    numClasses: FASHION_CLASSES.length + 1,
    classNames: ['background', ...FASHION_CLASSES],
    inputShape: [cropSize, cropSize, 1],
    evalShape: [size, size, 1],
    mean: [stats.mean],
    std: [stats.std],
    ignoreIndex: IGNORE_INDEX,
    // Background covers 75% or more of almost every crop of a scene, so cat_max_ratio would only burn its
    // 10 redraws: off.
    augment: { scale: [0.5, 2], cropSize, flip: true, catMaxRatio: 1 },
    train,
    val: split('test'),
    source: scenes.source,
  };
}
