// The `segmentation` of COCO annotations, read as pycocotools' annToRLE / annToMask read it: a list of
// polygons (one object may have several parts; its mask is their union), an uncompressed RLE
// {counts: [...], size: [h, w]} (COCO's crowd regions), or a compressed RLE {counts: "...", size}.
//
// Checked when the instances file is parsed, kept packed per image, and rasterised only when the image is
// read (decodeInstanceMasks): decoded masks of train2017 (860k objects, images ~640x480, one byte a pixel)
// would take ~260 GB, while the packed form costs 8 bytes per polygon coordinate or RLE count (~300 MB for
// train2017, about the size of the polygons' text in the file) and one image's masks take a few MB.
import { MaskFormatError, rleDecodeInto, rleFromCounts, rleFromPolygon, rleFromString } from './coco-mask.js';

/** One part of an object's segmentation: a polygon's x, y pairs or an RLE's counts. */
export type SegmentationPart = { kind: 'polygon'; xy: number[] } | { kind: 'rle'; counts: Uint32Array };

/**
 * One image's object segmentations, packed into a few typed arrays (one JS object per polygon would cost
 * more than the polygon). Object k's parts are objectStart[k] .. objectStart[k + 1] - 1; part p's values
 * are values[partStart[p] .. partStart[p + 1]).
 */
export interface PackedSegmentations {
  height: number;
  width: number;
  objectStart: Uint32Array;
  partStart: Uint32Array;
  /** 1 when part p is an RLE (values are its counts), 0 when it is a polygon (values are x, y pairs). */
  partIsRle: Uint8Array;
  /** Float64 because pycocotools rasterises the coordinates as doubles: float32 would move boundary pixels. */
  values: Float64Array;
}

const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n));

/**
 * The parts of one annotation's `segmentation` on an image of height x width, or undefined when it has none
 * (field absent, or the empty list that box-only COCO-style files write). Throws MaskFormatError saying what
 * was expected. Polygons need an even count of numbers and at least 3 points, stricter than pycocotools
 * where it fails or guesses: its frPyObjects takes a first polygon of exactly 4 numbers for a box and then
 * fails (frBbox wants an array), rejects a first polygon of 2, rasterises later ones of 1-2 points, and
 * drops an odd last number (len / 2 rounded down). An RLE's size must be the image's (pycocotools would
 * decode it at its own size, a mask that does not fit the image).
 */
export function segmentationParts(value: unknown, height: number, width: number): SegmentationPart[] | undefined {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  if (Array.isArray(value)) {
    return value.map((poly, i) => {
      if (!isNumberList(poly)) throw new MaskFormatError(`polygon ${i} is ${JSON.stringify(poly).slice(0, 60)}, expected a list of x, y numbers`);
      if (poly.length % 2 !== 0) throw new MaskFormatError(`polygon ${i} has ${poly.length} numbers, expected an even count (x, y pairs)`);
      if (poly.length < 6) throw new MaskFormatError(`polygon ${i} has ${poly.length / 2} point(s), expected at least 3`);
      return { kind: 'polygon', xy: poly };
    });
  }
  if (!value || typeof value !== 'object') throw new MaskFormatError(`is ${JSON.stringify(value)}, expected a list of polygons or an RLE {counts, size}`);
  const { counts, size } = value as { counts?: unknown; size?: unknown };
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new MaskFormatError(`RLE size is ${JSON.stringify(size)}, expected [height, width]`);
  }
  if (size[0] !== height || size[1] !== width) throw new MaskFormatError(`RLE size [${size.join(', ')}] differs from its image's [height, width] = [${height}, ${width}]`);
  if (Array.isArray(counts)) return [{ kind: 'rle', counts: rleFromCounts(counts, height, width).counts }];
  if (typeof counts === 'string') return [{ kind: 'rle', counts: rleFromString(counts, height, width).counts }];
  throw new MaskFormatError(`RLE counts is ${JSON.stringify(counts)?.slice(0, 60)}, expected a list of run lengths or a compressed string`);
}

/**
 * Pack the objects' parts for an image of height x width; undefined unless every object has a segmentation,
 * because a mask head trained on an image must have every object's mask (an image without them simply
 * gives no mask targets).
 */
export function packSegmentations(objects: readonly (SegmentationPart[] | undefined)[], height: number, width: number): PackedSegmentations | undefined {
  if (objects.some((parts) => parts === undefined)) return undefined;
  const parts = (objects as SegmentationPart[][]).flat();
  const objectStart = new Uint32Array(objects.length + 1);
  objects.forEach((o, k) => (objectStart[k + 1] = objectStart[k]! + o!.length));
  const partStart = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => (partStart[i + 1] = partStart[i]! + (p.kind === 'rle' ? p.counts.length : p.xy.length)));
  const values = new Float64Array(partStart[parts.length]!);
  parts.forEach((p, i) => values.set(p.kind === 'rle' ? p.counts : p.xy, partStart[i]!));
  return { height, width, objectStart, partStart, partIsRle: Uint8Array.from(parts, (p) => (p.kind === 'rle' ? 1 : 0)), values };
}

/** The objects' masks, objects * height * width bytes (row-major, 1 inside object k): pycocotools' annToMask per object. */
export function decodeInstanceMasks(packed: PackedSegmentations): Uint8Array {
  const { height, width, objectStart, partStart, partIsRle, values } = packed;
  const area = height * width;
  const objects = objectStart.length - 1;
  const out = new Uint8Array(objects * area);
  for (let k = 0; k < objects; k++) {
    for (let p = objectStart[k]!; p < objectStart[k + 1]!; p++) {
      const part = values.subarray(partStart[p]!, partStart[p + 1]!);
      const rle = partIsRle[p] ? { height, width, counts: Uint32Array.from(part) } : rleFromPolygon(part, height, width);
      // Decoding every part into the object's slice is the union of the parts (pycocotools merges them).
      rleDecodeInto(rle, out, k * area);
    }
  }
  return out;
}
