// Writes detection / segmentation datasets in their true formats: VOCdevkit (XML annotations, JPEG images,
// ImageSets lists, palette-PNG masks), COCO instances JSON, and ADE20K's grey PNG annotations.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encode } from 'fast-png';
import { writeImage } from './image-fixtures.js';

export interface VocObject {
  name: string;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  difficult?: 0 | 1;
}

export interface VocImage {
  id: string;
  width: number;
  height: number;
  objects: VocObject[];
}

/** The standard VOC colour map (palette index -> RGB) that the official masks carry. */
export function vocColormap(): number[][] {
  const bit = (v: number, i: number): number => (v >> i) & 1;
  return Array.from({ length: 256 }, (_, i) => {
    let [r, g, b, c] = [0, 0, 0, i];
    for (let j = 0; j < 8; j++) {
      r |= bit(c, 0) << (7 - j);
      g |= bit(c, 1) << (7 - j);
      b |= bit(c, 2) << (7 - j);
      c >>= 3;
    }
    return [r, g, b];
  });
}

export function vocXml(img: VocImage, omit?: { object: number; field: string }): string {
  const objects = img.objects.map((o, i) => {
    const tag = (name: string, value: number | string): string => (omit && omit.object === i && omit.field === name ? '' : `<${name}>${value}</${name}>`);
    return `\t<object>\n\t\t${tag('name', o.name)}\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n\t\t${tag('difficult', o.difficult ?? 0)}\n\t\t<bndbox>\n\t\t\t${tag('xmin', o.xmin)}\n\t\t\t${tag('ymin', o.ymin)}\n\t\t\t${tag('xmax', o.xmax)}\n\t\t\t${tag('ymax', o.ymax)}\n\t\t</bndbox>\n\t</object>`;
  });
  return `<annotation>\n\t<folder>VOC2007</folder>\n\t<filename>${img.id}.jpg</filename>\n\t<source><database>The VOC2007 Database</database></source>\n\t<size>\n\t\t<width>${img.width}</width>\n\t\t<height>${img.height}</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n${objects.join('\n')}\n</annotation>\n`;
}

export function writePaletteMask(file: string, width: number, height: number, indices: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, encode({ width, height, data: indices, channels: 1, depth: 8, palette: vocColormap() }));
}

export function writeGreyPng(file: string, width: number, height: number, values: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, encode({ width, height, data: values, channels: 1, depth: 8 }));
}

/** VOCdevkit/<year>/ with the images split as given; masks (class of the first object inside its box, 255 on its border) for `segIds`. */
export async function writeVocDevkit(root: string, year: string, splits: Record<string, VocImage[]>, segIds: string[] = []): Promise<string> {
  const dir = join(root, 'VOCdevkit', year);
  const classes = ['background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'];
  for (const [split, images] of Object.entries(splits)) {
    mkdirSync(join(dir, 'ImageSets', 'Main'), { recursive: true });
    writeFileSync(join(dir, 'ImageSets', 'Main', `${split}.txt`), images.map((i) => `${i.id}\n`).join(''));
    // A per-class list, as the real devkit has, which must not be taken for a split.
    writeFileSync(join(dir, 'ImageSets', 'Main', `aeroplane_${split}.txt`), images.map((i) => `${i.id} -1\n`).join(''));
    for (const img of images) {
      mkdirSync(join(dir, 'Annotations'), { recursive: true });
      writeFileSync(join(dir, 'Annotations', `${img.id}.xml`), vocXml(img));
      await writeImage(join(dir, 'JPEGImages', `${img.id}.jpg`), img.width, img.height, (r, c) => (r + c) % 256, 'jpeg');
      if (segIds.includes(img.id)) {
        const mask = new Uint8Array(img.width * img.height);
        const o = img.objects[0]!;
        for (let y = o.ymin - 1; y < o.ymax; y++) for (let x = o.xmin - 1; x < o.xmax; x++) mask[y * img.width + x] = classes.indexOf(o.name);
        for (let x = o.xmin - 1; x < o.xmax; x++) mask[(o.ymin - 1) * img.width + x] = 255;
        writePaletteMask(join(dir, 'SegmentationClass', `${img.id}.png`), img.width, img.height, mask);
      }
    }
  }
  if (segIds.length) {
    mkdirSync(join(dir, 'ImageSets', 'Segmentation'), { recursive: true });
    writeFileSync(join(dir, 'ImageSets', 'Segmentation', 'train.txt'), segIds.map((i) => `${i}\n`).join(''));
  }
  return dir;
}

export interface CocoFixture {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: number[]; iscrowd: number; area: number }[];
  categories: { id: number; name: string; supercategory: string }[];
}

export function writeCocoSplit(root: string, split: string, doc: CocoFixture | Record<string, unknown>): string {
  const file = join(root, 'annotations', `instances_${split}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ info: { description: 'fixture' }, licenses: [], ...doc }));
  return file;
}
