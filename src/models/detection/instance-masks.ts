// Instance masks for the mask head from a per-pixel class map in which objects never overlap (fashion-scenes
// stores one such map per scene: 0 = background, c + 1 = an object of class c). Object i's mask is the
// pixels inside its box carrying its class's value; with non-overlapping boxes that is exactly its pixels.

/**
 * [count, height, width] 0/1 masks (one per box, xyxy in pixels) from `labelMap` ([height, width]).
 * Boxes are rounded outwards to whole pixels, so a tight box keeps every pixel of its object.
 */
export function instanceMasksFromLabelMap(labelMap: ArrayLike<number>, [height, width]: [number, number], boxes: ArrayLike<number>, classes: ArrayLike<number>): Uint8Array {
  const count = classes.length;
  const out = new Uint8Array(count * height * width);
  for (let i = 0; i < count; i++) {
    const value = classes[i]! + 1;
    const x0 = Math.max(0, Math.floor(boxes[4 * i]!));
    const y0 = Math.max(0, Math.floor(boxes[4 * i + 1]!));
    const x1 = Math.min(width, Math.ceil(boxes[4 * i + 2]!));
    const y1 = Math.min(height, Math.ceil(boxes[4 * i + 3]!));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) if (labelMap[y * width + x] === value) out[i * height * width + y * width + x] = 1;
    }
  }
  return out;
}
