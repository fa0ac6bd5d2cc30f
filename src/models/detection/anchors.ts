// RPN anchors as torchvision's AnchorGenerator makes them: per level, base anchors of each (aspect ratio,
// size) pair centred on 0 and rounded (torch.round: half to even), shifted to every feature-map cell's
// top-left corner in image pixels (x * stride, y * stride). Order: row, column, then aspect ratio, then size:
// the same order as the RPN head's NHWC outputs reshaped to [N, H * W * A].

/** Round half to even, as torch.round. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The A = ratios x sizes base anchors of one level, xyxy around (0, 0), ratio-major (h / w = ratio). */
export function baseAnchors(sizes: readonly number[], aspectRatios: readonly number[]): Float32Array {
  const out: number[] = [];
  for (const ratio of aspectRatios) {
    const hRatio = Math.sqrt(ratio);
    const wRatio = 1 / hRatio;
    for (const size of sizes) {
      const w = wRatio * size;
      const h = hRatio * size;
      out.push(roundHalfEven(-w / 2), roundHalfEven(-h / 2), roundHalfEven(w / 2), roundHalfEven(h / 2));
    }
  }
  return Float32Array.from(out);
}

/** All anchors of a level with a `height` x `width` map and the given stride: [height * width * A * 4]. */
export function gridAnchors(base: Float32Array, height: number, width: number, stride: number): Float32Array {
  const perCell = base.length;
  const out = new Float32Array(height * width * perCell);
  let at = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = x * stride;
      const sy = y * stride;
      for (let k = 0; k < perCell; k += 4) {
        out[at++] = base[k]! + sx;
        out[at++] = base[k + 1]! + sy;
        out[at++] = base[k + 2]! + sx;
        out[at++] = base[k + 3]! + sy;
      }
    }
  }
  return out;
}
