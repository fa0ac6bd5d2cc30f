// How our registry names map to the paper's labels, and the order and display names the paper uses.

/** Row order of every table in the paper (Tables 1-7). */
export const PAPER_ACTIVATION_ORDER = ['ReLU', 'LReLU', 'PReLU', 'Softplus', 'ELU', 'SELU', 'GELU', 'Swish', 'ASH'] as const;

/** Our activation names (and common spellings) -> the label the paper prints. Mish is not in the paper. */
const ACTIVATION_LABELS: Record<string, string> = {
  relu: 'ReLU',
  lrelu: 'LReLU',
  leakyrelu: 'LReLU',
  prelu: 'PReLU',
  plelu: 'PReLU', // the paper's typo, see NOTES.md
  softplus: 'Softplus',
  elu: 'ELU',
  selu: 'SELU',
  gelu: 'GELU',
  swish: 'Swish',
  silu: 'Swish',
  ash: 'ASH',
  mish: 'Mish',
};

function normalizeKey(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, '');
}

/** The display label of an activation name: the paper's spelling when known, else the name itself. */
export function activationLabel(name: string): string {
  return ACTIVATION_LABELS[normalizeKey(name)] ?? name;
}

/** The paper's row label for one of our labels or activation names, or undefined when the paper has no such row. */
export function paperActivationLabel(name: string): string | undefined {
  const label = ACTIVATION_LABELS[normalizeKey(name)];
  return label !== undefined && (PAPER_ACTIVATION_ORDER as readonly string[]).includes(label) ? label : undefined;
}

/** Our model keys (and spellings) -> the paper's model keys (the column keys of data/paper/*.csv). */
const MODEL_KEYS: Record<string, string> = {
  resnet164: 'resnet164',
  preactresnet164: 'resnet164',
  wrn2810: 'wrn28-10',
  wideresnet2810: 'wrn28-10',
  densenet10012: 'densenet100-12',
  densenetbc10012: 'densenet100-12',
  densenetbc100: 'densenet100-12',
  densenet100: 'densenet100-12',
  maskrcnn: 'mask-rcnn',
  maskrcnnr50fpn: 'mask-rcnn',
  ssd300: 'ssd',
  ssd: 'ssd',
  yolo: 'yolo',
  yolov4: 'yolo',
  yolov5: 'yolo',
  yolov5s: 'yolo',
  unet: 'unet',
  deeplabv3plus: 'deeplabv3plus',
  deeplabv3: 'deeplabv3plus',
  deeplabv3plusresnet50: 'deeplabv3plus',
  deeplabv3plusresnet101: 'deeplabv3plus',
  efficientnet: 'efficientnet',
  efficientnetb0: 'efficientnet',
  efficientnetb0unet: 'efficientnet',
};

/** The paper's model key for one of ours, or undefined (e.g. the small CPU models like resnet20). */
export function paperModelKey(model: string): string | undefined {
  return MODEL_KEYS[normalizeKey(model)];
}

/** Column order of the paper's tables. */
export const PAPER_MODEL_ORDER = [
  'resnet164',
  'wrn28-10',
  'densenet100-12',
  'mask-rcnn',
  'ssd',
  'yolo',
  'unet',
  'deeplabv3plus',
  'efficientnet',
] as const;

const MODEL_DISPLAY: Record<string, string> = {
  resnet164: 'ResNet-164',
  'wrn28-10': 'WRN-28-10',
  'densenet100-12': 'DenseNet-100-12',
  'mask-rcnn': 'Mask R-CNN',
  ssd: 'SSD',
  yolo: 'YOLO',
  unet: 'U-Net',
  deeplabv3plus: 'DeepLabV3+',
  efficientnet: 'EfficientNet',
};

export function modelDisplayName(model: string): string {
  return MODEL_DISPLAY[model] ?? model;
}

/** A table column's title: the paper's name, with our variant in brackets where it is one of several (DeepLabV3+ (deeplabv3plus-resnet101)). */
export function modelColumnTitle(model: string): string {
  const key = paperModelKey(model);
  if (MODEL_DISPLAY[model] !== undefined || key === undefined || MODEL_DISPLAY[key] === undefined) return modelDisplayName(model);
  return `${MODEL_DISPLAY[key]} (${model})`;
}

const DATASET_DISPLAY: Record<string, string> = {
  cifar10: 'CIFAR-10',
  vocdetection: 'PASCAL VOC',
  cifar100: 'CIFAR-100',
  imagenet: 'ImageNet',
  mnist: 'MNIST',
  fashionmnist: 'Fashion-MNIST',
  coco: 'COCO',
  voc: 'PASCAL VOC',
  vocsegmentation: 'PASCAL VOC',
  fashionscenes: 'fashion-scenes',
  ade20k: 'ADE20K',
};

export function datasetDisplayName(dataset: string): string {
  return DATASET_DISPLAY[normalizeKey(dataset)] ?? dataset;
}

/** Orders items by the paper's order of their key (unknown keys last, alphabetically, ties by `tiebreak`). */
export function paperOrder<T>(items: readonly T[], order: readonly string[], key: (item: T) => string | undefined, tiebreak: (item: T) => string): T[] {
  const rank = (item: T): number => {
    const k = key(item);
    const i = k === undefined ? -1 : order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return [...items].sort((a, b) => rank(a) - rank(b) || tiebreak(a).localeCompare(tiebreak(b)));
}
