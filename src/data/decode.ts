// Image decoding with sharp (libvips): JPEG/PNG files to uint8 RGB pixels in HWC order, either at native
// size or with the evaluation transform of the ImageNet recipes (resize the shorter side, centre crop).
// EXIF orientation is ignored, as PIL (and so torchvision) ignores it by default.
import sharp from 'sharp';
import { UserError } from '../engine/errors.js';

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes, HWC. */
  data: Uint8Array;
}

/** The eval transform: shorter side to `shorter`, then the central `size` x `size` square. */
export interface CentreCrop {
  size: number;
  shorter: number;
}

/** Raised for a file that is not a decodable image, so callers can choose to skip it. */
export class UnreadableImageError extends UserError {
  constructor(readonly file: string, reason: string) {
    super(`${file}: cannot decode image (${reason})`);
  }
}

function rgbPipeline(input: string | Uint8Array): sharp.Sharp {
  // Grey, CMYK and palette images all become 3-channel sRGB; alpha is dropped (ImageNet has a few such files).
  return sharp(input, { failOn: 'error' }).toColourspace('srgb').removeAlpha();
}

async function toRgb(pipeline: sharp.Sharp, file: string): Promise<RgbImage> {
  try {
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new UnreadableImageError(file, (err as Error).message.split('\n')[0]!);
  }
}

/** Decode at native size. */
export function decodeRgb(file: string, bytes?: Uint8Array): Promise<RgbImage> {
  return toRgb(rgbPipeline(bytes ?? file), file);
}

/** Decode, resize the shorter side to `shorter` (bilinear, like torchvision's default) and cut the centre square. */
export async function decodeCentreCrop(file: string, t: CentreCrop): Promise<Uint8Array> {
  const resized = await toRgb(rgbPipeline(file).resize({ width: t.shorter, height: t.shorter, fit: 'outside', kernel: 'linear' }), file);
  return centreCrop(resized, t.size, file);
}

/** The central size x size square of an image, with torchvision's CenterCrop offsets (Python's round: half to even). */
export function centreCrop(image: RgbImage, size: number, file = 'image'): Uint8Array {
  if (image.width < size || image.height < size) {
    throw new UserError(`${file}: ${image.width}x${image.height} after resizing is smaller than the ${size}x${size} crop`);
  }
  const top = roundHalfEven((image.height - size) / 2);
  const left = roundHalfEven((image.width - size) / 2);
  if (image.width === size && image.height === size) return image.data;
  const out = new Uint8Array(size * size * 3);
  for (let r = 0; r < size; r++) {
    const src = ((top + r) * image.width + left) * 3;
    out.set(image.data.subarray(src, src + size * 3), r * size * 3);
  }
  return out;
}

/** Python's round(): halves go to the even neighbour (torchvision's offsets and sizes use it). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}
