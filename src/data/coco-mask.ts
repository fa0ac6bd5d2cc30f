// COCO's run-length encoded (RLE) masks, computed the way cocoapi's common/maskApi.c computes them (the C
// code that pycocotools wraps), so masks read here are bit-identical to pycocotools' annToMask.
//
// An RLE is a list of run lengths over the image's pixels in column-major order (down column 0, then down
// column 1, ...), alternating background and object and starting with background (so it may start with 0).
// COCO stores it three ways: as polygons to rasterise (rleFromPolygon), as the count list itself
// ("uncompressed", used for crowds), or as a compact string (rleFromString / rleToString).

/** The counts of an RLE mask of height x width pixels; the counts sum to height * width. */
export interface Rle {
  height: number;
  width: number;
  counts: Uint32Array;
}

/** A count list or string that is not a valid RLE of its size; the message says what was expected. */
export class MaskFormatError extends Error {}

/** maskApi.c rasterises at 5x the pixel grid, so polygon vertices snap to a fifth of a pixel. */
const SCALE = 5;

/**
 * rleFrPoly: the RLE of one closed polygon [x1, y1, x2, y2, ...] (pixel coordinates, pixel (i, j) covering
 * [i, i+1) x [j, j+1)). Vertices snap to the nearest fifth of a pixel, halves up ((int)(5x + .5)); the
 * snapped polygon is walked on that grid and every x step across a pixel column's centre records the
 * boundary's row in that column. A pixel is in the mask when its centre is inside the snapped polygon; a
 * centre exactly on a sloped or horizontal boundary goes to the side below it, so it is inside on the
 * object's top side and outside on its bottom side (the centres on the hypotenuse of (0,0) (10,0) (0,10)
 * are outside, those on the hypotenuse of (0,10) (10,0) (10,10) inside: the two triangles tile the
 * square). No vertical boundary passes through a centre (centres sit at 5i + 2.5 on the grid). Vertices
 * outside the image are allowed; columns outside it are dropped and rows are clamped to the image.
 *
 * Every step re-states the C, including its truncating (int) casts (Math.trunc, not floor, for negative
 * coordinates) and the double arithmetic, because any other rounding moves boundary pixels.
 */
export function rleFromPolygon(xy: ArrayLike<number>, height: number, width: number): Rle {
  const k = Math.floor(xy.length / 2);
  // Vertices on the upsampled grid, closed (vertex k repeats vertex 0).
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = Math.trunc(SCALE * xy[j * 2]! + 0.5);
  for (let j = 0; j < k; j++) y[j] = Math.trunc(SCALE * xy[j * 2 + 1]! + 0.5);
  x[k] = x[0]!;
  y[k] = y[0]!;
  let m = 0;
  for (let j = 0; j < k; j++) m += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1;
  // Every grid point along every edge (both ends of each edge included), in walk order.
  const u = new Int32Array(m);
  const v = new Int32Array(m);
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    // The C steps along the longer axis from the smaller end and writes the points back to front when it
    // swapped the ends, so the points come out in walk order either way; the swap changes the rounding.
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    // 0 / 0 (a repeated vertex) is NaN here as in C; that lone point is never read (its neighbours share its u).
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = Math.trunc(ys + s * t + 0.5);
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = Math.trunc(xs + s * t + 0.5);
        m++;
      }
    }
  }
  // Where the walk crosses a column centre (upsampled x = 5i + 2.5), the boundary row of that column,
  // back on the pixel grid.
  const points = m;
  const toggles: number[] = [];
  for (let j = 1; j < points; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > height) yd = height;
    yd = Math.ceil(yd);
    // The column-major index of the first pixel at or below the boundary: the mask toggles there.
    toggles.push(xd * height + yd);
  }
  toggles.push(height * width);
  const a = Uint32Array.from(toggles).sort();
  // Run lengths between toggles; two toggles at the same pixel cancel (a zero run merges its neighbours).
  let previous = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]!;
    a[j] = t - previous;
    previous = t;
  }
  const counts: number[] = [a[0]!];
  for (let j = 1; j < a.length; ) {
    if (a[j]! > 0) counts.push(a[j++]!);
    else {
      j++;
      if (j < a.length) counts[counts.length - 1]! += a[j++]!;
    }
  }
  return { height, width, counts: Uint32Array.from(counts) };
}

/** Checks that `counts` is an RLE of height x width: whole, non-negative, summing to height * width. */
export function rleFromCounts(counts: readonly unknown[], height: number, width: number): Rle {
  let sum = 0;
  counts.forEach((c, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw new MaskFormatError(`counts[${i}] is ${JSON.stringify(c)}, expected a whole number >= 0`);
    sum += c;
  });
  checkSum(sum, height, width);
  return { height, width, counts: Uint32Array.from(counts as number[]) };
}

function checkSum(sum: number, height: number, width: number): void {
  if (sum !== height * width) throw new MaskFormatError(`counts sum to ${sum}, expected height * width = ${height} * ${width} = ${height * width}`);
}

/**
 * rleFrString: COCO's compressed counts. Each count is written in 5-bit groups, low group first, one
 * character ('0' + 6 bits) per group: bit 0x20 says another group follows, and bit 0x10 of the last group
 * is the sign. From the fourth count on, what is written is the difference to the count two before it
 * (runs of the same colour in neighbouring columns tend to be alike).
 */
export function rleFromString(text: string, height: number, width: number): Rle {
  const counts: number[] = [];
  let p = 0;
  let sum = 0;
  while (p < text.length) {
    let value = 0;
    let group = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new MaskFormatError(`counts string ends inside count ${counts.length} (its last character has the continuation bit 0x20)`);
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new MaskFormatError(`counts string has ${JSON.stringify(text[p])} at ${p}, expected characters '0' to 'o' (ASCII 48-111)`);
      value += (c & 0x1f) * 2 ** (5 * group);
      more = (c & 0x20) !== 0;
      p++;
      group++;
      // Sign extension: the bits above the last group are all ones.
      if (!more && c & 0x10) value -= 2 ** (5 * group);
    }
    if (counts.length > 2) value += counts[counts.length - 2]!;
    if (value < 0) throw new MaskFormatError(`counts string gives count ${counts.length} = ${value}, expected a whole number >= 0`);
    counts.push(value);
    sum += value;
  }
  checkSum(sum, height, width);
  return { height, width, counts: Uint32Array.from(counts) };
}

/** rleToString: the compressed string of an RLE (the inverse of rleFromString). */
export function rleToString(rle: Rle): string {
  const { counts } = rle;
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      // The low 5 bits and an arithmetic shift, for negative differences too.
      const rest = Math.floor(x / 32);
      let c = x - rest * 32;
      x = rest;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** rleEncode: the RLE of a row-major 0/1 mask (any non-zero byte is object). */
export function rleEncode(mask: ArrayLike<number>, height: number, width: number): Rle {
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const bit = mask[y * width + x] ? 1 : 0;
      if (bit !== value) {
        counts.push(run);
        run = 0;
        value = bit;
      }
      run++;
    }
  }
  counts.push(run);
  return { height, width, counts: Uint32Array.from(counts) };
}

/**
 * rleDecode into a row-major mask: sets 1 at every object pixel of `rle` in `out` (height * width bytes from
 * `offset`) and leaves the other bytes as they are, so decoding several RLEs into one buffer is their
 * union (what pycocotools' merge of an object's polygon parts gives).
 */
export function rleDecodeInto(rle: Rle, out: Uint8Array, offset = 0): void {
  const { height, width, counts } = rle;
  let at = 0;
  for (let j = 0; j < counts.length; j++) {
    const run = counts[j]!;
    if (j % 2 === 1) {
      let col = Math.floor(at / height);
      let row = at - col * height;
      for (let n = 0; n < run; n++) {
        out[offset + row * width + col] = 1;
        if (++row === height) {
          row = 0;
          col++;
        }
      }
    }
    at += run;
  }
}

/** rleDecode: the row-major 0/1 mask (height * width bytes) of an RLE. */
export function rleDecode(rle: Rle): Uint8Array {
  const out = new Uint8Array(rle.height * rle.width);
  rleDecodeInto(rle, out);
  return out;
}
