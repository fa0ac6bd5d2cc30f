// Training augmentation settings: which kind, with what parameters, and how a config's setting (where the
// kind may be left to the dataset) becomes the spelled-out setting a run records and its job id hashes.
//   pad-crop             the CIFAR recipe: shift by up to `crop` pixels into a zero border, flip
//   random-resized-crop  torchvision's RandomResizedCrop (area `scale`, aspect `ratio`) + flip, the ImageNet recipe

import { AUGMENT_KINDS, type AugmentKind } from '../contract/recipe.js';

export { AUGMENT_KINDS, type AugmentKind };

/** torchvision's RandomResizedCrop defaults: 8%..100% of the area, aspect ratio 3/4..4/3. */
export const RRC_SCALE: [number, number] = [0.08, 1];
export const RRC_RATIO: [number, number] = [3 / 4, 4 / 3];

/** Random crop from a zero border of `crop` pixels (0: none) and horizontal flips. No `kind` means this one. */
export interface PadCropAugment {
  kind?: 'pad-crop';
  crop: number;
  flip: boolean;
}

/** A random box of `scale` of the image's area and `ratio` width/height, resized to the input size, and flips. */
export interface RandomResizedCropAugment {
  kind: 'random-resized-crop';
  scale: [number, number];
  ratio: [number, number];
  flip: boolean;
}

/** What a training run does (TrainRecipe.augment). */
export type Augment = PadCropAugment | RandomResizedCropAugment;

/** What a config or the command line says: every field of every kind, and `kind` may be left to the dataset. */
export interface AugmentSetting {
  kind?: AugmentKind;
  crop: number;
  flip: boolean;
  scale?: [number, number];
  ratio?: [number, number];
}

/**
 * The setting spelled out for one dataset: the kind filled in from `datasetDefault` when absent and only the
 * fields that kind uses kept. A pad-crop setting is written without `kind`, exactly as before the field
 * existed, so the job ids of existing pad-crop results stay the same and a re-run still finds them;
 * random-resized-crop always names its kind, scale and ratio.
 */
export function resolveAugment(setting: AugmentSetting, datasetDefault: AugmentKind): Augment {
  const kind = setting.kind ?? datasetDefault;
  if (kind === 'pad-crop') return { crop: setting.crop, flip: setting.flip };
  return { kind, scale: setting.scale ?? RRC_SCALE, ratio: setting.ratio ?? RRC_RATIO, flip: setting.flip };
}

/** No augmentation at all (`ash train --no-augment`). */
export const NO_AUGMENT: PadCropAugment = { crop: 0, flip: false };

export function isRandomResizedCrop(augment: Augment | undefined): augment is RandomResizedCropAugment {
  return augment?.kind === 'random-resized-crop';
}
