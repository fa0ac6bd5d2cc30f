// Writes real PNG and JPEG files (encoded by sharp/libvips) in the folder layouts of ImageNet subsets
// (ROOT/<split>/<class>/*.jpg) and Tiny-ImageNet (train/<wnid>/images, val/images + val_annotations.txt).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export type PixelFn = (r: number, c: number, ch: number) => number;

/** Raw HWC RGB bytes from a pixel function. */
export function rgbBytes(width: number, height: number, pixel: PixelFn): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) for (let ch = 0; ch < 3; ch++) out[(r * width + c) * 3 + ch] = pixel(r, c, ch);
  return out;
}

export async function writeImage(file: string, width: number, height: number, pixel: PixelFn, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const img = sharp(Buffer.from(rgbBytes(width, height, pixel)), { raw: { width, height, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 95, chromaSubsampling: '4:4:4' })).toFile(file);
}

/** Pattern of image `id`: every pixel differs across images, rows, columns and channels. */
export const patternPixel =
  (id: number): PixelFn =>
  (r, c, ch) =>
    (id * 40 + r * 5 + c * 3 + ch * 70) % 256;

export interface FolderFixture {
  /** Per split, the files in the order the reader should return them (round-robin over sorted classes). */
  order: Record<string, { file: string; label: number; id: number }[]>;
  classes: string[];
}

/**
 * ROOT/<split>/<class>/<class>_<i>.png with `counts[split][classIndex]` images per class, each of
 * width x height with patternPixel(id). Classes are written in an unsorted order on purpose.
 */
export async function writeImageFolder(root: string, classes: string[], counts: Record<string, number[]>, width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<FolderFixture> {
  const sorted = [...classes].sort();
  const order: FolderFixture['order'] = {};
  let id = 0;
  for (const [split, perClass] of Object.entries(counts)) {
    const files = sorted.map((cls, label) => Array.from({ length: perClass[label]! }, (_, i) => ({ file: join(root, split, cls, `${cls}_${i}.${format === 'png' ? 'png' : 'jpg'}`), label, id: id++ })));
    for (const list of files) for (const f of list) await writeImage(f.file, width, height, patternPixel(f.id), format);
    const longest = Math.max(...files.map((l) => l.length));
    order[split] = [];
    for (let i = 0; i < longest; i++) for (const list of files) if (i < list.length) order[split]!.push(list[i]!);
  }
  return { order, classes: sorted };
}

/** Tiny-ImageNet layout with PNG-coded pixels in .JPEG-named files replaced by real JPEGs of flat colours. */
export async function writeTinyImagenet(root: string, wnids: string[], trainPerClass: number, valLabels: number[]): Promise<{ valColours: number[][] }> {
  for (const [label, wnid] of wnids.entries()) {
    for (let i = 0; i < trainPerClass; i++) {
      await writeImage(join(root, 'train', wnid, 'images', `${wnid}_${i}.JPEG`), 64, 64, () => 20 * label + i, 'jpeg');
    }
    writeFileSync(join(root, 'train', wnid, `${wnid}_boxes.txt`), '');
  }
  const lines: string[] = [];
  const valColours: number[][] = [];
  for (const [i, label] of valLabels.entries()) {
    const colour = [30 + 40 * label, 200 - 10 * i, 90];
    valColours.push(colour);
    await writeImage(join(root, 'val', 'images', `val_${i}.JPEG`), 64, 64, (_r, _c, ch) => colour[ch]!, 'jpeg');
    lines.push(`val_${i}.JPEG\t${wnids[label]}\t0\t0\t63\t63`);
  }
  writeFileSync(join(root, 'val', 'val_annotations.txt'), `${lines.join('\n')}\n`);
  await writeImage(join(root, 'test', 'images', 'test_0.JPEG'), 64, 64, () => 128, 'jpeg');
  writeFileSync(join(root, 'wnids.txt'), `${wnids.join('\n')}\n`);
  return { valColours };
}
