// ROIAlign (He et al. 2017), as torchvision.ops.roi_align / Detectron2's ROIAlign: each output bin averages
// samplingRatio x samplingRatio bilinear samples (adaptive ceil(roi / bins) when samplingRatio <= 0);
// `aligned` shifts box coordinates by half a pixel (Detectron2's aligned=True, so a box [0, 0, 4, 4] covers
// pixels 0..3 exactly); samples more than one pixel outside the map count as zero, as in the references.
//
// tf.image.cropAndResize has no gradient in tfjs, so ROIAlign here is a fixed linear map computed in
// JavaScript from the (constant) boxes: every output cell is a weighted sum of at most 4 * grid feature
// rows (fewer after merging the samples that share a feature cell). Two ways to apply it, the same map:
// - 'host' (WASM and cpu backends): the feature table is read back and the weighted sums (forward) and
//   their adjoint, a weighted scatter (backward), run in JavaScript. tfjs-backend-wasm's GatherV2 copies
//   element by element (~45 ns each), and the tensor route materialises [cells * taps, C] before summing:
//   for maskrcnn-small's 1,024 box RoIs that was 200 MB and ~40% of a training step, and detect()'s 100
//   masks per image overflowed the WASM heap at 16 images. The host loop writes only [cells, C].
// - 'tensor' (native TensorFlow, where the data may live on a GPU): tf.gather of the taps, weighted and
//   summed; the backward pass scatters the weighted output gradient back (tf.scatterND adds duplicate
//   indices). A custom gradient is used instead of tf.gather's own because that one needs
//   UnsortedSegmentSum, which the WASM backend does not have.
import { tf } from '../../engine/tf.js';

/** The geometry of one feature level: its map size and its scale (1 / stride) relative to the image. */
export interface FeatureLevel {
  height: number;
  width: number;
  scale: number;
}

export interface RoiAlignOptions {
  /** [height, width] of the output per RoI (7x7 box head, 14x14 mask head in Mask R-CNN). */
  outputSize: [number, number];
  /** Samples per bin along each axis; <= 0 means adaptive, ceil(roi size / output size). */
  samplingRatio: number;
  /** Half-pixel offset (Detectron2 / torchvision aligned=True). */
  aligned: boolean;
}

/** The RoIs to pool: boxes xyxy in image pixels, the batch image and the feature level of each. */
export interface RoiSet {
  boxes: Float32Array;
  images: Int32Array;
  levels: Int32Array;
}

/** The linear map of a ROIAlign call: output cell p = sum_k weights[p*taps + k] * table[indices[p*taps + k]]. */
export interface RoiAlignPlan {
  indices: Int32Array;
  weights: Float32Array;
  taps: number;
  rois: number;
  outputSize: [number, number];
  /** Rows of the flat feature table (all levels, all images, level-major). */
  tableRows: number;
}

interface Sampling {
  startY: number;
  startX: number;
  binH: number;
  binW: number;
  gridH: number;
  gridW: number;
}

/** Where the samples of one RoI lie on its level's map (torchvision roi_align_forward_kernel_impl). */
function sampling(box: ArrayLike<number>, offset: number, scale: number, options: RoiAlignOptions): Sampling {
  const shift = options.aligned ? 0.5 : 0;
  const startX = box[offset]! * scale - shift;
  const startY = box[offset + 1]! * scale - shift;
  let roiW = box[offset + 2]! * scale - shift - startX;
  let roiH = box[offset + 3]! * scale - shift - startY;
  if (!options.aligned) {
    // The legacy (aligned=False) version forces malformed RoIs to be at least one pixel.
    roiW = Math.max(roiW, 1);
    roiH = Math.max(roiH, 1);
  }
  const [outH, outW] = options.outputSize;
  const binH = roiH / outH;
  const binW = roiW / outW;
  const gridH = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(roiH / outH);
  const gridW = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(roiW / outW);
  return { startY, startX, binH, binW, gridH, gridW };
}

/**
 * The four neighbours and weights of a bilinear sample at (y, x), torchvision's bilinear_interpolate:
 * zero outside [-1, size], clamped to the border inside it. Returns false when the sample is zero.
 */
function bilinear(y: number, x: number, height: number, width: number, out: { y0: number; y1: number; x0: number; x1: number; ly: number; lx: number }): boolean {
  if (y < -1 || y > height || x < -1 || x > width) return false;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  let y0 = Math.floor(y);
  let x0 = Math.floor(x);
  let y1: number;
  let x1: number;
  if (y0 >= height - 1) {
    y0 = y1 = height - 1;
    y = y0;
  } else {
    y1 = y0 + 1;
  }
  if (x0 >= width - 1) {
    x0 = x1 = width - 1;
    x = x0;
  } else {
    x1 = x0 + 1;
  }
  out.y0 = y0;
  out.y1 = y1;
  out.x0 = x0;
  out.x1 = x1;
  out.ly = y - y0;
  out.lx = x - x0;
  return true;
}

/** Adds `weight` to the tap of `index` among the `n` taps from `start` (a new tap if none); returns the new count. */
function addTap(indices: Int32Array, weights: Float32Array, start: number, n: number, index: number, weight: number): number {
  if (weight === 0) return n;
  for (let k = start; k < start + n; k++) {
    if (indices[k] === index) {
      weights[k] += weight;
      return n;
    }
  }
  indices[start + n] = index;
  weights[start + n] = weight;
  return n + 1;
}

/**
 * The plan for pooling `rois` from feature maps of `batch` images at `levels`. The table it indexes is the
 * levels' maps flattened to rows [N * H * W, C] and stacked level after level (see roiAlign).
 */
export function buildRoiAlignPlan(levels: FeatureLevel[], batch: number, rois: RoiSet, options: RoiAlignOptions): RoiAlignPlan {
  const count = rois.images.length;
  const [outH, outW] = options.outputSize;
  const levelOffset: number[] = [];
  let tableRows = 0;
  for (const level of levels) {
    levelOffset.push(tableRows);
    tableRows += batch * level.height * level.width;
  }
  const samplings: Sampling[] = [];
  let maxTaps = 4;
  for (let r = 0; r < count; r++) {
    const s = sampling(rois.boxes, 4 * r, levels[rois.levels[r]!]!.scale, options);
    samplings.push(s);
    maxTaps = Math.max(maxTaps, 4 * s.gridH * s.gridW);
  }
  // Each cell's samples merged by feature row: neighbouring samples share rows (2 x 2 samples in a bin about
  // one feature pixel wide touch 4-9 rows, not 16), and every tap costs a gather of C values.
  const cells = count * outH * outW;
  const cellIndices = new Int32Array(cells * maxTaps);
  const cellWeights = new Float32Array(cells * maxTaps);
  const cellTaps = new Int32Array(cells);
  const nb = { y0: 0, y1: 0, x0: 0, x1: 0, ly: 0, lx: 0 };
  for (let r = 0; r < count; r++) {
    const level = levels[rois.levels[r]!]!;
    const { height, width } = level;
    const base = levelOffset[rois.levels[r]!]! + rois.images[r]! * height * width;
    const s = samplings[r]!;
    const norm = 1 / Math.max(s.gridH * s.gridW, 1);
    for (let ph = 0; ph < outH; ph++) {
      for (let pw = 0; pw < outW; pw++) {
        const cell = (r * outH + ph) * outW + pw;
        const start = cell * maxTaps;
        let n = 0;
        for (let iy = 0; iy < s.gridH; iy++) {
          const y = s.startY + ph * s.binH + ((iy + 0.5) * s.binH) / s.gridH;
          for (let ix = 0; ix < s.gridW; ix++) {
            const x = s.startX + pw * s.binW + ((ix + 0.5) * s.binW) / s.gridW;
            if (!bilinear(y, x, height, width, nb)) continue;
            const hy = 1 - nb.ly;
            const hx = 1 - nb.lx;
            n = addTap(cellIndices, cellWeights, start, n, base + nb.y0 * width + nb.x0, hy * hx * norm);
            n = addTap(cellIndices, cellWeights, start, n, base + nb.y0 * width + nb.x1, hy * nb.lx * norm);
            n = addTap(cellIndices, cellWeights, start, n, base + nb.y1 * width + nb.x0, nb.ly * hx * norm);
            n = addTap(cellIndices, cellWeights, start, n, base + nb.y1 * width + nb.x1, nb.ly * nb.lx * norm);
          }
        }
        cellTaps[cell] = n;
      }
    }
  }
  let taps = 1;
  for (let cell = 0; cell < cells; cell++) taps = Math.max(taps, cellTaps[cell]!);
  const indices = new Int32Array(cells * taps);
  const weights = new Float32Array(cells * taps);
  for (let cell = 0; cell < cells; cell++) {
    const n = cellTaps[cell]!;
    indices.set(cellIndices.subarray(cell * maxTaps, cell * maxTaps + n), cell * taps);
    weights.set(cellWeights.subarray(cell * maxTaps, cell * maxTaps + n), cell * taps);
  }
  return { indices, weights, taps, rois: count, outputSize: [outH, outW], tableRows };
}

/** How roiAlign applies its plan (see the header): 'host' on WASM and cpu, 'tensor' on native TensorFlow. */
export type RoiAlignMode = 'host' | 'tensor';

export function defaultRoiAlignMode(): RoiAlignMode {
  return tf.getBackend() === 'tensorflow' ? 'tensor' : 'host';
}

/**
 * ROIAlign of `plan` over `features` (one [N, H, W, C] map per level, in the plan's level order):
 * [R, outH, outW, C], differentiable with respect to the features (the boxes are constants).
 */
export function roiAlign(features: tf.Tensor4D[], plan: RoiAlignPlan, mode: RoiAlignMode = defaultRoiAlignMode()): tf.Tensor4D {
  const channels = features[0]!.shape[3];
  const [outH, outW] = plan.outputSize;
  const rows = features.reduce((s, f) => s + f.shape[0] * f.shape[1] * f.shape[2], 0);
  if (rows !== plan.tableRows) throw new Error(`roiAlign: feature table has ${rows} rows, the plan was built for ${plan.tableRows}`);
  const cells = plan.rois * outH * outW;
  if (mode === 'host') {
    // Values only cross the host boundary, level by level (no concatenated copy on the backend's heap); the
    // plan (typed arrays) is captured, nothing needs saving.
    const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const levels = args.slice(0, features.length) as tf.Tensor4D[];
      let table: Float32Array;
      if (levels.length === 1) {
        table = levels[0]!.dataSync() as Float32Array;
      } else {
        table = new Float32Array(plan.tableRows * channels);
        let at = 0;
        for (const level of levels) {
          const values = level.dataSync() as Float32Array;
          table.set(values, at);
          at += values.length;
        }
      }
      const out = new Float32Array(cells * channels);
      weightedGather(table, plan, channels, out);
      return {
        value: tf.tensor4d(out, [plan.rois, outH, outW, channels]),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
          const grad = new Float32Array(plan.tableRows * channels);
          weightedScatter((dy as tf.Tensor).dataSync() as Float32Array, plan, channels, grad);
          let at = 0;
          return levels.map((level) => {
            const size = level.size;
            const g = tf.tensor4d(grad.subarray(at, at + size), level.shape);
            at += size;
            return g;
          });
        },
      };
    });
    return pool(...features) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const table = tf.concat(features.map((f) => tf.reshape(f, [-1, channels])), 0) as tf.Tensor2D;
    const indices = tf.tensor1d(plan.indices, 'int32');
    const weights = tf.tensor3d(plan.weights, [cells, plan.taps, 1]);
    const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [t, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      // Saved, not captured: the backward pass runs after this tidy has disposed its own tensors.
      save([indices, weights]);
      const gathered = tf.reshape(tf.gather(t, indices), [cells, plan.taps, channels]);
      const value = tf.reshape(tf.sum(tf.mul(gathered, weights), 1), [plan.rois, outH, outW, channels]);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [savedIndices, savedWeights] = saved as [tf.Tensor1D, tf.Tensor3D];
          const g = tf.reshape(dy as tf.Tensor, [cells, 1, channels]);
          const updates = tf.reshape(tf.mul(g, savedWeights), [cells * plan.taps, channels]);
          return [tf.scatterND(tf.reshape(savedIndices, [-1, 1]), updates, [plan.tableRows, channels])];
        },
      };
    });
    return pool(table) as tf.Tensor4D;
  });
}

/** out[cell, :] = sum_k weights[cell, k] * table[indices[cell, k], :] (the plan's forward map). */
function weightedGather(table: Float32Array, plan: RoiAlignPlan, channels: number, out: Float32Array): void {
  const { indices, weights, taps } = plan;
  const cells = indices.length / taps;
  for (let cell = 0; cell < cells; cell++) {
    const dst = cell * channels;
    for (let k = cell * taps; k < (cell + 1) * taps; k++) {
      const w = weights[k]!;
      if (w === 0) continue;
      const src = indices[k]! * channels;
      for (let c = 0; c < channels; c++) out[dst + c] += w * table[src + c]!;
    }
  }
}

/** The adjoint of weightedGather: grad[indices[cell, k], :] += weights[cell, k] * dy[cell, :]. */
function weightedScatter(dy: Float32Array, plan: RoiAlignPlan, channels: number, grad: Float32Array): void {
  const { indices, weights, taps } = plan;
  const cells = indices.length / taps;
  for (let cell = 0; cell < cells; cell++) {
    const src = cell * channels;
    for (let k = cell * taps; k < (cell + 1) * taps; k++) {
      const w = weights[k]!;
      if (w === 0) continue;
      const dst = indices[k]! * channels;
      for (let c = 0; c < channels; c++) grad[dst + c] += w * dy[src + c]!;
    }
  }
}

/**
 * ROIAlign of one box over one [H, W, C] map in plain float64 JavaScript (a direct transcription of
 * torchvision's CPU kernel): the mask-target crop of Mask R-CNN (GT masks are constants) and the
 * reference the tests check roiAlign against.
 */
export function roiAlignPlain(
  data: ArrayLike<number>,
  [height, width, channels]: [number, number, number],
  box: ArrayLike<number>,
  scale: number,
  options: RoiAlignOptions,
): Float64Array {
  const [outH, outW] = options.outputSize;
  const s = sampling(box, 0, scale, options);
  const out = new Float64Array(outH * outW * channels);
  const count = Math.max(s.gridH * s.gridW, 1);
  const nb = { y0: 0, y1: 0, x0: 0, x1: 0, ly: 0, lx: 0 };
  for (let ph = 0; ph < outH; ph++) {
    for (let pw = 0; pw < outW; pw++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let iy = 0; iy < s.gridH; iy++) {
          const y = s.startY + ph * s.binH + ((iy + 0.5) * s.binH) / s.gridH;
          for (let ix = 0; ix < s.gridW; ix++) {
            const x = s.startX + pw * s.binW + ((ix + 0.5) * s.binW) / s.gridW;
            if (!bilinear(y, x, height, width, nb)) continue;
            const v = (yy: number, xx: number): number => data[(yy * width + xx) * channels + c]!;
            sum +=
              (1 - nb.ly) * (1 - nb.lx) * v(nb.y0, nb.x0) +
              (1 - nb.ly) * nb.lx * v(nb.y0, nb.x1) +
              nb.ly * (1 - nb.lx) * v(nb.y1, nb.x0) +
              nb.ly * nb.lx * v(nb.y1, nb.x1);
          }
        }
        out[(ph * outW + pw) * channels + c] = sum / count;
      }
    }
  }
  return out;
}
