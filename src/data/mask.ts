// Class-index masks from PNG files: VOC's palette PNGs (the palette index is the class, 255 = ignore) and
// ADE20K's 8-bit grey PNGs (0 = "other", ignored; 1..150 = classes 0..149). fast-png gives the raw
// indices of a palette image, where an image library would expand them to colours.
import { readFile } from 'node:fs/promises';
import { decode } from 'fast-png';
import { UserError } from '../engine/errors.js';
import { IGNORE_INDEX, type Mask } from './types.js';

export type MaskEncoding = 'voc' | 'ade20k';

/** The raw 8-bit values of a one-channel PNG: a palette PNG's indices (not its colours) or a grey PNG's levels. */
export function decodeLabelPng(bytes: Uint8Array, file: string): Mask {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new UserError(`${file}: not a readable PNG (${(err as Error).message})`);
  }
  if (png.depth !== 8 || png.channels !== 1) {
    throw new UserError(`${file}: a mask must be an 8-bit palette or grey PNG, got ${png.channels} channel(s) of ${png.depth} bits`);
  }
  return { width: png.width, height: png.height, data: png.data as Uint8Array };
}

/** Decode `bytes` (a PNG) to class indices; `file` names it in errors. */
export function decodeMask(bytes: Uint8Array, file: string, encoding: MaskEncoding, numClasses: number): Mask {
  const png = decodeLabelPng(bytes, file);
  const raw = png.data;
  const data = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    let label: number;
    if (encoding === 'voc') label = v;
    else label = v === 0 ? IGNORE_INDEX : v - 1;
    if (label >= numClasses && label !== IGNORE_INDEX) {
      throw new UserError(`${file}: pixel (x ${i % png.width}, y ${Math.floor(i / png.width)}) has value ${v}, outside the ${numClasses} classes${encoding === 'voc' ? ' and 255 (ignore)' : ''}`);
    }
    data[i] = label;
  }
  return { width: png.width, height: png.height, data };
}

export async function readMask(file: string, encoding: MaskEncoding, numClasses: number): Promise<Mask> {
  return decodeMask(await readFile(file), file, encoding, numClasses);
}
