// Resize, centre crop and channel conversion against what Pillow does to the same pixels
// (test/fixtures/pil-resize.json, from tools/pil-resize-fixture.py). Pillow rounds to bytes
// between its two passes and we do not, so a pixel may differ by one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitImage, toPlanes, type DecodedImage } from '../src/data/image-file.js';
import { resample } from '../src/data/resize.js';

interface Case { op: string; in: [number, number]; out?: [number, number]; size?: number; seed: number; pixels: number[] }
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'pil-resize.json'), 'utf8')) as { pillow: string; cases: Case[] };

/** The fixture's synthetic RGB image (same formula as the Python), as RGBA. */
function pattern(w: number, h: number, seed: number): DecodedImage {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 4 * (y * w + x);
      rgba.set([(x * 37 + y * 11 + seed) % 256, (x * 5 + y * 53 + 2 * seed) % 256, (x * y * 7 + 3 * seed) % 256, 255], p);
    }
  }
  return { width: w, height: h, rgba };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
};

describe(`resize and centre crop (against Pillow ${fixture.pillow})`, () => {
  for (const c of fixture.cases) {
    const [w, h] = c.in;
    const img = pattern(w, h, c.seed);
    if (c.op === 'resize') {
      it(`bilinear ${w}×${h} → ${c.out![0]}×${c.out![1]}`, () => {
        const got = resample(toPlanes(img, 3), 3, h, w, c.out![1], c.out![0]);
        expect(maxDiff(Array.from(got, Math.round), c.pixels)).toBeLessThanOrEqual(1);
      });
    } else if (c.op === 'resize-center-crop') {
      it(`Resize(${c.size}) + CenterCrop(${c.size}) of ${w}×${h}`, () => {
        const got = fitImage(img, { channels: 3, height: c.size!, width: c.size! });
        expect(maxDiff(got, c.pixels)).toBeLessThanOrEqual(1);
      });
    } else {
      it(`greyscale of ${w}×${h} as convert('L'), alpha dropped`, () => {
        const translucent = { ...img, rgba: img.rgba.map((v, i) => (i % 4 === 3 ? 7 : v)) };
        const got = fitImage(translucent, { channels: 1, height: h, width: w });
        expect(maxDiff(got, c.pixels)).toBeLessThanOrEqual(1);
      });
    }
  }

  it('keeps an image already of the target size exactly', () => {
    const img = pattern(5, 4, 3);
    const planes = toPlanes(img, 3);
    expect(Array.from(fitImage(img, { channels: 3, height: 4, width: 5 }))).toEqual(Array.from(planes));
  });
});
