// CPU reference of shaders/batch.wgsl: torchvision's RandomCrop(size, padding) then
// RandomHorizontalFlip, ToTensor and Normalize, written pixel by pixel with the same random
// draws (src/rng.ts is the bit-exact twin of the GPU generator).
import { RngStream } from '../../src/rng-streams.js';
import { randU32, randUniform } from '../../src/rng.js';
import type { ImageShape, Split } from '../../src/data/dataset.js';
import type { Augmentation } from '../../src/data/gpu-dataset.js';

export interface ReferenceBatchOptions {
  /** Record number of each example of the batch. */
  sources: ArrayLike<number>;
  seed: number;
  /** RNG index of the first example (epoch · N + offset); null: not augmented. */
  drawBase: number | null;
  augmentation: Augmentation;
  mean?: number[];
  std?: number[];
}

/** The crop offsets (top, left) and flip of one example, as drawn on the GPU. */
export function referenceDraws(seed: number, g: number, a: Augmentation): { top: number; left: number; flip: boolean } {
  const below = (index: number, n: number) => Math.floor((randU32(seed, RngStream.augmentCrop, index >>> 0) >>> 8) * n / 2 ** 24);
  const n = 2 * a.cropPadding + 1;
  return {
    top: a.cropPadding ? below(2 * g, n) : a.cropPadding,
    left: a.cropPadding ? below(2 * g + 1, n) : a.cropPadding,
    flip: a.horizontalFlip && randUniform(seed, RngStream.augmentFlip, g >>> 0) < 0.5,
  };
}

export function referenceBatch(split: Split, shape: ImageShape, o: ReferenceBatchOptions): { x: Float32Array; y: Uint32Array } {
  const { channels: C, height: H, width: W } = shape;
  const B = o.sources.length;
  const x = new Float32Array(B * C * H * W);
  const y = new Uint32Array(B);
  const pad = o.augmentation.cropPadding;
  for (let b = 0; b < B; b++) {
    const src = o.sources[b];
    y[b] = split.labels[src];
    const d = o.drawBase === null ? { top: pad, left: pad, flip: false } : referenceDraws(o.seed, (o.drawBase + b) >>> 0, o.augmentation);
    for (let c = 0; c < C; c++) {
      for (let row = 0; row < H; row++) {
        for (let col = 0; col < W; col++) {
          // Output (row, col) of the flipped crop of the zero-padded image.
          const sy = row + d.top - pad;
          const sx = (d.flip ? W - 1 - col : col) + d.left - pad;
          const inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
          const v = inside ? split.images[((src * C + c) * H + sy) * W + sx] / 255 : 0;
          x[((b * C + c) * H + row) * W + col] = (v - (o.mean?.[c] ?? 0)) / (o.std?.[c] ?? 1);
        }
      }
    }
  }
  return { x, y };
}
