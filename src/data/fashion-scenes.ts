// fashion-scenes: detection / segmentation scenes composed from real Fashion-MNIST items on a larger
// canvas, so detection and segmentation pipelines can be trained and checked on real image content on a
// CPU. Deterministic by seed. Each item is cut to the tight box of its pixels >= THRESHOLD and pasted
// where it overlaps no earlier box, so boxes are exactly tight and masks never conflict.
import { Rng } from '../engine/random.js';
import { UserError } from '../engine/errors.js';
import { FASHION_MNIST, loadMnistFamily } from './mnist.js';
import { summariseDetection, type DatasetSummary, type DetectionSplitSummary } from './summary.js';
import type { ClassificationSplit, DetectionData, DetectionRecord, ReaderOptions } from './types.js';

export const FASHION_CLASSES = ['t-shirt/top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'];

export interface SceneOptions {
  /** Canvas side in pixels. */
  canvas: number;
  minItems: number;
  maxItems: number;
  seed: number;
  /** Pixels at or above this grey level belong to the item (mask and box); fainter ones are background. */
  threshold: number;
}

export const DEFAULT_SCENES: SceneOptions = { canvas: 64, minItems: 1, maxItems: 3, seed: 0, threshold: 16 };
const ITEM = 28;
const PLACEMENT_TRIES = 50;

export interface SceneSplit {
  records: DetectionRecord[];
  /** count * canvas * canvas grey pixels. */
  images: Uint8Array;
  /** Per pixel: 0 background, 1 + class index for item pixels (the segmentation target, 11 classes). */
  masks: Uint8Array;
}

export interface FashionScenes extends DetectionData {
  canvas: number;
  pixels: Record<string, SceneSplit>;
}

interface Tight {
  top: number;
  left: number;
  h: number;
  w: number;
}

function tightBox(items: Uint8Array, index: number, threshold: number): Tight | undefined {
  let top = ITEM;
  let left = ITEM;
  let bottom = -1;
  let right = -1;
  const base = index * ITEM * ITEM;
  for (let r = 0; r < ITEM; r++) {
    for (let c = 0; c < ITEM; c++) {
      if (items[base + r * ITEM + c]! >= threshold) {
        if (r < top) top = r;
        if (r > bottom) bottom = r;
        if (c < left) left = c;
        if (c > right) right = c;
      }
    }
  }
  return bottom < 0 ? undefined : { top, left, h: bottom - top + 1, w: right - left + 1 };
}

const overlaps = (a: number[], b: number[]): boolean => a[0]! < b[0]! + b[2]! && b[0]! < a[0]! + a[2]! && a[1]! < b[1]! + b[3]! && b[1]! < a[1]! + a[3]!;

/** Compose `count` scenes from 28x28 grey items. `name` prefixes record ids and forks the random stream. */
export function composeScenes(items: ClassificationSplit, count: number, name: string, options: SceneOptions = DEFAULT_SCENES): SceneSplit {
  const { canvas, threshold } = options;
  if (canvas < ITEM) throw new UserError(`fashion-scenes: canvas ${canvas} is smaller than a ${ITEM}x${ITEM} item`);
  if (items.count === 0) throw new UserError('fashion-scenes: no Fashion-MNIST items to compose from');
  const rng = new Rng(options.seed).fork(`fashion-scenes/${name}`);
  const area = canvas * canvas;
  const images = new Uint8Array(count * area);
  const masks = new Uint8Array(count * area);
  const records: DetectionRecord[] = [];
  for (let s = 0; s < count; s++) {
    const wanted = options.minItems + rng.int(options.maxItems - options.minItems + 1);
    const boxes: number[][] = [];
    const classes: number[] = [];
    for (let k = 0; k < wanted; k++) {
      const index = rng.int(items.count);
      const tight = tightBox(items.images, index, threshold);
      if (!tight) continue;
      let placed: number[] | undefined;
      for (let t = 0; t < PLACEMENT_TRIES && !placed; t++) {
        const box = [rng.int(canvas - tight.w + 1), rng.int(canvas - tight.h + 1), tight.w, tight.h];
        if (!boxes.some((b) => overlaps(b, box))) placed = box;
      }
      if (!placed) continue;
      const label = items.labels[index]!;
      const [x, y] = placed as [number, number];
      for (let r = 0; r < tight.h; r++) {
        for (let c = 0; c < tight.w; c++) {
          const v = items.images[index * ITEM * ITEM + (tight.top + r) * ITEM + tight.left + c]!;
          const at = s * area + (y + r) * canvas + x + c;
          images[at] = v;
          if (v >= threshold) masks[at] = label + 1;
        }
      }
      boxes.push(placed);
      classes.push(label);
    }
    records.push({
      id: `${name}-${s}`,
      file: '',
      width: canvas,
      height: canvas,
      boxes: Float32Array.from(boxes.flat()),
      classes: Int32Array.from(classes),
      flags: new Uint8Array(classes.length),
    });
  }
  return { records, images, masks };
}

export interface FashionScenesOptions extends ReaderOptions {
  scenes?: Partial<SceneOptions>;
}

/** Scenes from the Fashion-MNIST train items (train split) and test items (test split); limits are scene counts. */
export async function loadFashionScenes(options: FashionScenesOptions = {}): Promise<FashionScenes> {
  const items = await loadMnistFamily(FASHION_MNIST, { dataDir: options.dataDir });
  const scenes = { ...DEFAULT_SCENES, ...options.scenes };
  const train = composeScenes(items.train, options.trainLimit ?? 5000, 'train', scenes);
  const test = composeScenes(items.test, options.testLimit ?? 1000, 'test', scenes);
  return {
    dataset: 'fashion-scenes',
    classNames: FASHION_CLASSES,
    splits: { train: train.records, test: test.records },
    source: items.source,
    canvas: scenes.canvas,
    pixels: { train, test },
  };
}

export async function inspectFashionScenes(options: FashionScenesOptions): Promise<DatasetSummary<DetectionSplitSummary>> {
  const data = await loadFashionScenes(options);
  return summariseDetection(data.dataset, FASHION_CLASSES.length, data.splits);
}
