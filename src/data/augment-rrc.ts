// torchvision's RandomResizedCrop, box sampling (transforms.RandomResizedCrop.get_params) step for step:
// up to 10 tries of an area fraction uniform in `scale` and a log-uniform aspect ratio in `ratio`, the
// first box that fits placed uniformly at random; if none fits, the largest centred box whose aspect is
// clamped into `ratio`. The box is then resized to the input size (resize.ts) and flipped half the time.
import type { Rng } from '../engine/random.js';
import { roundHalfEven } from './decode.js';
import type { CropBox } from './resize.js';

const TRIES = 10;

/** A box of a height x width image drawn as torchvision draws it. Every draw comes from `rng`, in a fixed order. */
export function randomResizedCropBox(rng: Rng, height: number, width: number, scale: readonly [number, number], ratio: readonly [number, number]): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let t = 0; t < TRIES; t++) {
    const targetArea = area * (scale[0] + (scale[1] - scale[0]) * rng.next());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.next());
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      // torch.randint(0, n + 1): both ends included.
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  return centreFallbackBox(height, width, ratio);
}

/** The box used when no try fits: the whole image, cut down to the nearest aspect ratio inside `ratio`, centred. */
export function centreFallbackBox(height: number, width: number, ratio: readonly [number, number]): CropBox {
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(ratio[0], ratio[1])) h = Math.max(1, roundHalfEven(w / Math.min(ratio[0], ratio[1])));
  else if (inRatio > Math.max(ratio[0], ratio[1])) w = Math.max(1, roundHalfEven(h * Math.max(ratio[0], ratio[1])));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}
