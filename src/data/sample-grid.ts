// A PNG contact sheet of a dataset for people to look at: one row per class, head → tail, a bar
// on the left as long as the class's share of the largest class, then a few upscaled samples.
import pngjs from 'pngjs';
import { imageBytes, type ImageShape, type Split } from './dataset.js';

const GAP = 2;
export const GRID_SAMPLES = 10;
const BAR_WIDTH = 96;
const BACKGROUND = [255, 255, 255];
const BAR = [74, 120, 192];

export interface GridOptions {
  /** Class order of the rows (head → tail). */
  rows: number[];
  /** Images per class in the split, for the bars. */
  counts: number[];
  /** Samples per row (default GRID_SAMPLES). */
  samplesPerClass?: number;
  /** Upscaled cell size in pixels (default: the nearest multiple of the image size to 96). */
  scale?: number;
}

/** The first `per` images of each class, in split order (a long-tail subset is already shuffled). */
export function gridSamples(labels: ArrayLike<number>, numClasses: number, per: number): number[] {
  const taken = new Array<number>(numClasses).fill(0);
  const picks: number[] = [];
  for (let i = 0; i < labels.length; i++) if (taken[labels[i]]++ < per) picks.push(i);
  return picks;
}

export function sampleGridPng(split: Split, shape: ImageShape, o: GridOptions): Buffer {
  const { channels: C, height: H, width: W } = shape;
  const per = o.samplesPerClass ?? GRID_SAMPLES;
  const scale = o.scale ?? Math.max(1, Math.round(96 / Math.max(H, W)));
  const cellW = W * scale + GAP;
  const cellH = H * scale + GAP;
  const width = BAR_WIDTH + GAP + per * cellW;
  const height = o.rows.length * cellH + GAP;
  const png = new pngjs.PNG({ width, height });
  const put = (x: number, y: number, rgb: ArrayLike<number>) => {
    const at = 4 * (y * width + x);
    png.data[at] = rgb[0];
    png.data[at + 1] = rgb[1];
    png.data[at + 2] = rgb[2];
    png.data[at + 3] = 255;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) put(x, y, BACKGROUND);

  const picks: number[][] = Array.from({ length: o.counts.length }, () => []);
  for (const i of gridSamples(split.labels, o.counts.length, per)) picks[split.labels[i]].push(i);
  const nMax = Math.max(...o.counts, 1);
  const bytes = imageBytes(shape);
  o.rows.forEach((cls, row) => {
    const top = GAP + row * cellH;
    const bar = Math.max(1, Math.round((BAR_WIDTH * o.counts[cls]) / nMax));
    for (let y = top + cellH / 4; y < top + (3 * cellH) / 4; y++) for (let x = 0; x < bar; x++) put(x, Math.floor(y), BAR);
    picks[cls].forEach((img, k) => {
      const left = BAR_WIDTH + GAP + k * cellW;
      for (let y = 0; y < H * scale; y++) {
        for (let x = 0; x < W * scale; x++) {
          const p = Math.floor(y / scale) * W + Math.floor(x / scale);
          const rgb = [0, 1, 2].map((ch) => split.images[img * bytes + Math.min(ch, C - 1) * H * W + p]);
          put(left + x, top + y, rgb);
        }
      }
    });
  });
  return pngjs.PNG.sync.write(png);
}
