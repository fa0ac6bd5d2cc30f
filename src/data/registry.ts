// Datasets by name. Classification loaders return raw uint8 NHWC images plus labels (see types.ts) and are
// what `ash train` uses; detection and segmentation datasets are parsed to plain records and can be
// listed and inspected (their training loops come with the detection/segmentation tasks).
import { UserError, unknownName } from '../engine/errors.js';
import { resolveAugment, type Augment, type AugmentKind, type AugmentSetting } from './augment.js';
import { inspectAde20k } from './ade20k.js';
import { inspectCoco } from './coco.js';
import { inspectFashionScenes } from './fashion-scenes.js';
import { inspectVocDetection, inspectVocSegmentation } from './voc.js';
import { loadAde20kData, loadFashionScenesSegmentation, loadVocSegmentationData } from './segmentation-data.js';
import type { SegmentationLoadOptions, SegmentationTrainingData } from './segmentation-types.js';
import { CIFAR10, CIFAR100, CIFAR100_COARSE, checkCifar, loadCifar } from './cifar.js';
import { IMAGEFOLDER, TINY_IMAGENET, checkImageFolder, inspectImageFolder, loadImageFolder, openImageFolder } from './imagefolder.js';
import { FASHION_MNIST, MNIST, checkMnistFamily, loadMnistFamily } from './mnist.js';
import { summariseClassification, type DatasetSummary } from './summary.js';
import type { ClassificationData, DatasetTask, ReaderOptions, TrainingData } from './types.js';

export interface DatasetEntry {
  name: string;
  task: 'classification';
  description: string;
  load(options: ReaderOptions): Promise<ClassificationData>;
  /** The same data streamed from the on-disk cache batch by batch, for datasets too large for memory. */
  open?(options: ReaderOptions): Promise<TrainingData>;
  /** Summary for `ash datasets inspect`; without it the data is loaded whole and summarised. */
  inspect?(options: ReaderOptions): Promise<DatasetSummary>;
  /** The training augmentation when a config or command line does not name one (default: pad-crop). */
  defaultAugment?: AugmentKind;
  /** A cheap preflight: throw a UserError when the files are missing or unreadable, without decoding them. */
  check?(options: ReaderOptions): void;
  /** What a model built for this dataset takes and predicts, known without reading the data (`ash models summary --dataset`). */
  shape: DatasetShape;
}

/** Input height, width, channels and class count; numClasses is absent where the data decides it (an image folder's class folders). */
export interface DatasetShape {
  inputShape: [number, number, number];
  numClasses?: number;
}

export interface AnnotatedDatasetEntry {
  name: string;
  task: 'detection' | 'segmentation';
  description: string;
  inspect(options: ReaderOptions): Promise<DatasetSummary>;
  /** Frames and masks in memory for segmentation training (segmentation-data.ts), where the dataset has masks. */
  loadSegmentation?(options: SegmentationLoadOptions): Promise<SegmentationTrainingData>;
  check?(options: ReaderOptions): void;
}

export type AnyDatasetEntry = DatasetEntry | AnnotatedDatasetEntry;

const entries: AnyDatasetEntry[] = [
  { name: 'fashion-mnist', task: 'classification', description: 'Fashion-MNIST, 28x28x1, 10 classes (IDX files; Debian: dataset-fashion-mnist)', shape: { inputShape: [28, 28, 1], numClasses: 10 }, load: (o) => loadMnistFamily(FASHION_MNIST, o), check: (o) => checkMnistFamily(FASHION_MNIST, o) },
  { name: 'mnist', task: 'classification', description: 'MNIST digits, 28x28x1, 10 classes (IDX files)', shape: { inputShape: [28, 28, 1], numClasses: 10 }, load: (o) => loadMnistFamily(MNIST, o), check: (o) => checkMnistFamily(MNIST, o) },
  { name: 'cifar10', task: 'classification', description: 'CIFAR-10, 32x32x3, 10 classes (binary version: data_batch_1..5.bin, test_batch.bin)', shape: { inputShape: [32, 32, 3], numClasses: 10 }, load: (o) => loadCifar(CIFAR10, o), check: (o) => checkCifar(CIFAR10, o) },
  { name: 'cifar100', task: 'classification', description: 'CIFAR-100, 32x32x3, 100 fine classes (binary version: train.bin, test.bin)', shape: { inputShape: [32, 32, 3], numClasses: 100 }, load: (o) => loadCifar(CIFAR100, o), check: (o) => checkCifar(CIFAR100, o) },
  { name: 'cifar100-coarse', task: 'classification', description: 'CIFAR-100 with its 20 coarse (superclass) labels', shape: { inputShape: [32, 32, 3], numClasses: 20 }, load: (o) => loadCifar(CIFAR100_COARSE, o), check: (o) => checkCifar(CIFAR100_COARSE, o) },
  {
    name: 'imagefolder',
    task: 'classification',
    description: 'ImageNet-style ROOT/{train,val}/<class>/*.jpg (Imagenette, ImageNet-100, ImageNet); 224x224 centre crop of the 256 resize',
    // The classes are the folders found (ImageNet: 1000, Imagenette: 10).
    shape: { inputShape: [224, 224, 3] },
    load: (o) => loadImageFolder(IMAGEFOLDER, o),
    open: (o) => openImageFolder(IMAGEFOLDER, o),
    inspect: (o) => inspectImageFolder(IMAGEFOLDER, o),
    check: (o) => checkImageFolder(IMAGEFOLDER, o),
    // The ImageNet recipe: photos of varied framing, where the CIFAR shift-by-4-pixels barely augments.
    defaultAugment: 'random-resized-crop',
  },
  {
    name: 'tiny-imagenet',
    task: 'classification',
    description: 'Tiny-ImageNet-200, 64x64x3, 200 classes (train/<wnid>/images, val/val_annotations.txt)',
    shape: { inputShape: [64, 64, 3], numClasses: 200 },
    load: (o) => loadImageFolder(TINY_IMAGENET, o),
    open: (o) => openImageFolder(TINY_IMAGENET, o),
    inspect: (o) => inspectImageFolder(TINY_IMAGENET, o),
    check: (o) => checkImageFolder(TINY_IMAGENET, o),
    defaultAugment: 'random-resized-crop',
  },
  { name: 'voc-detection', task: 'detection', description: 'PASCAL VOC 2007/2012 boxes, 20 classes (VOCdevkit: Annotations/*.xml, ImageSets/Main)', inspect: inspectVocDetection },
  { name: 'voc-segmentation', task: 'segmentation', description: 'PASCAL VOC 2007/2012 masks, 21 classes (SegmentationClass/*.png, 255 = ignore)', inspect: inspectVocSegmentation, loadSegmentation: loadVocSegmentationData },
  { name: 'coco', task: 'detection', description: 'COCO 2017 instances, 80 classes (annotations/instances_<split>2017.json)', inspect: inspectCoco },
  { name: 'ade20k', task: 'segmentation', description: 'ADE20K scene parsing, 150 classes (ADEChallengeData2016/, 0 = ignore)', inspect: inspectAde20k, loadSegmentation: loadAde20kData },
  {
    name: 'fashion-scenes',
    task: 'detection',
    description: '1-3 real Fashion-MNIST items on a 64x64 canvas, tight boxes and per-pixel masks (seeded; limits = scene counts)',
    inspect: inspectFashionScenes,
    loadSegmentation: loadFashionScenesSegmentation,
    // The scenes are composed from Fashion-MNIST (read with the same dataDir), so its files are what must be there.
    check: (o) => checkMnistFamily(FASHION_MNIST, o),
  },
];

const byName = new Map<string, AnyDatasetEntry>(entries.map((e) => [e.name, e]));

/** Names of the classification datasets (those `ash train` accepts). */
export function datasetNames(): string[] {
  return [...byName.values()].filter((e) => e.task === 'classification').map((e) => e.name);
}

/** Input shape and classes of a classification dataset, from the registry (no data read). */
export function datasetShape(name: string): DatasetShape {
  return getDataset(name).shape;
}

/** Every dataset, whatever its task, in registration order. */
export function listDatasets(): AnyDatasetEntry[] {
  return [...byName.values()];
}

/** A classification dataset by name (what the training loop loads). */
export function getDataset(name: string): DatasetEntry {
  const entry = byName.get(name);
  if (entry?.task === 'classification') return entry;
  if (entry) throw new UserError(`dataset '${name}' is a ${entry.task} dataset; training takes a classification dataset: ${datasetNames().sort().join(', ')}`);
  throw unknownName('dataset', name, [...byName.keys()]);
}

/** Names of the datasets that can be streamed (`ash train --stream`, `data.stream` in a sweep). */
export function streamableDatasetNames(): string[] {
  return [...byName.values()].flatMap((e) => (e.task === 'classification' && e.open ? [e.name] : []));
}

/** A classification dataset that can be streamed; a UserError naming the dataset when it cannot. */
export function getStreamableDataset(name: string): DatasetEntry & Required<Pick<DatasetEntry, 'open'>> {
  const entry = getDataset(name);
  if (!entry.open) throw new UserError(`dataset '${name}' cannot be streamed (it is loaded into memory, which its size allows); streaming works for: ${streamableDatasetNames().join(', ')}`);
  return entry as DatasetEntry & Required<Pick<DatasetEntry, 'open'>>;
}

/** What the training loop trains on: the dataset in memory, or streamed from disk when `stream` is set. */
export async function loadTrainingData(name: string, options: ReaderOptions & { stream?: boolean }): Promise<TrainingData> {
  const { stream, ...rest } = options;
  return stream ? getStreamableDataset(name).open(rest) : getDataset(name).load(rest);
}

/** The augmentation a dataset trains with unless told otherwise: random-resized-crop for ImageNet-style folders, else pad-crop. */
export function defaultAugmentKind(name: string): AugmentKind {
  const entry = byName.get(name);
  return (entry?.task === 'classification' && entry.defaultAugment) || 'pad-crop';
}

/** A config's or command line's augmentation setting spelled out for training on `dataset` (see resolveAugment). */
export function augmentFor(dataset: string, setting: AugmentSetting): Augment {
  return resolveAugment(setting, defaultAugmentKind(dataset));
}

/** Whether `name` can be trained on for `task` (fashion-scenes has boxes and masks: detection and segmentation). */
export function datasetSupportsTask(name: string, task: DatasetTask): boolean {
  const entry = byName.get(name);
  if (!entry) return false;
  if (task === 'classification') return entry.task === 'classification';
  if (task === 'segmentation') return entry.task !== 'classification' && entry.loadSegmentation !== undefined;
  return entry.task === 'detection';
}

/** Names of the datasets with segmentation masks a training loop can load (loadSegmentation). */
export function segmentationDatasetNames(): string[] {
  return [...byName.values()].flatMap((e) => (e.task !== 'classification' && e.loadSegmentation ? [e.name] : []));
}

/** A segmentation dataset's frames and masks in memory; a UserError naming the valid ones otherwise. */
export function loadSegmentationDataset(name: string, options: SegmentationLoadOptions): Promise<SegmentationTrainingData> {
  const entry = byName.get(name);
  if (entry && entry.task !== 'classification' && entry.loadSegmentation) return entry.loadSegmentation(options);
  throw unknownName('segmentation dataset', name, segmentationDatasetNames());
}

/** Any dataset by name. */
export function getAnyDataset(name: string): AnyDatasetEntry {
  const entry = byName.get(name);
  if (!entry) throw unknownName('dataset', name, [...byName.keys()]);
  return entry;
}

/** The `ash datasets inspect` summary of a dataset at `options.dataDir` (or its default place). */
export async function inspectDataset(name: string, options: ReaderOptions): Promise<DatasetSummary> {
  const entry = getAnyDataset(name);
  if (entry.inspect) return entry.inspect(options);
  if (entry.task !== 'classification') throw new Error(`dataset ${name} has no inspect`);
  return summariseClassification(await entry.load({ ...options, cacheDir: false }));
}

/** The dataset's preflight check (files present and readable); datasets without one pass. */
export function checkDataset(name: string, options: ReaderOptions): void {
  getAnyDataset(name).check?.(options);
}

/** Add a dataset (used by dataset modules that register themselves). */
export function registerDataset(entry: AnyDatasetEntry): void {
  byName.set(entry.name, entry);
}
