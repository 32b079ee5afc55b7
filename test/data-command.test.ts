// `aegl-gpu data` on a small image folder written here: the printed counts, the PNG grid and the
// subset file, which a second run reuses to get the identical subset.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runDataCommand } from '../src/data/command.js';
import { imgNumPerCls } from '../src/data/long-tail.js';
import { useEngine } from './helpers/gpu.js';

useEngine();

const root = mkdtempSync(join(tmpdir(), 'aegl-datacmd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Three classes of 20 train and 2 test images, 6×4 pixels, each class its own flat colour.
const W = 6;
const H = 4;
const colours = [[250, 0, 0], [0, 250, 0], [0, 0, 250]];
for (const [split, n] of [['train', 20], ['test', 2]] as const) {
  colours.forEach((rgb, c) => {
    const dir = join(root, 'data', split, `class${c}`);
    mkdirSync(dir, { recursive: true });
    for (let k = 0; k < n; k++) {
      const p = new pngjs.PNG({ width: W, height: H });
      for (let i = 0; i < W * H; i++) p.data.set([...rgb, 255], 4 * i);
      writeFileSync(join(dir, `${k}.png`), pngjs.PNG.sync.write(p));
    }
  });
}

async function run(flags: Record<string, string | boolean>): Promise<string> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await runDataCommand({ dataset: 'folder', dataDir: join(root, 'data'), profile: 'exp', seed: '0', subsetSeed: '0', ...flags });
    return log.mock.calls.map((c) => String(c[0])).join('\n');
  } finally {
    log.mockRestore();
  }
}

describe('aegl-gpu data', () => {
  it('prints per-class counts and writes the grid and the subset file', async () => {
    const out = join(root, 'out1');
    const text = await run({ imbalance: '0.1', out });
    const counts = imgNumPerCls(20, 3, 0.1, 'exp');
    for (let c = 0; c < 3; c++) expect(text).toMatch(new RegExp(`^${c} class${c} +${counts[c]} +2$`, 'm'));
    expect(text).toMatch(new RegExp(`total +${counts[0] + counts[1] + counts[2]} +6$`, 'm'));

    const png = pngjs.PNG.sync.read(readFileSync(join(out, 'samples.png')));
    const scale = Math.round(96 / W);
    expect(png.height).toBe(3 * (H * scale + 2) + 2);
    // The first sample of row c has class c's colour.
    colours.forEach((rgb, c) => {
      const y = 2 + c * (H * scale + 2) + 1;
      const x = 96 + 2 + 1;
      expect(Array.from(png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3))).toEqual(rgb);
    });

    const subset = JSON.parse(readFileSync(join(out, 'subset.json'), 'utf8'));
    expect(subset.counts).toEqual(counts);
    const again = await run({ subset: join(out, 'subset.json'), out: join(root, 'out2') });
    expect(again).toContain('long tail from');
    expect(readFileSync(join(root, 'out2', 'subset.json'), 'utf8')).toBe(readFileSync(join(out, 'subset.json'), 'utf8'));
  });

  it('--augmented writes the same samples as the GPU crops them: class colour or zero padding', async () => {
    const out = join(root, 'out3');
    const text = await run({ imbalance: '0.5', out, augmented: true });
    expect(text).toContain('random crop (padding 4) + horizontal flip');
    const plain = pngjs.PNG.sync.read(readFileSync(join(out, 'samples.png')));
    const aug = pngjs.PNG.sync.read(readFileSync(join(out, 'samples-augmented.png')));
    expect([aug.width, aug.height]).toEqual([plain.width, plain.height]);
    let padded = 0;
    for (let i = 0; i < plain.data.length; i += 4) {
      const want = Array.from(plain.data.subarray(i, i + 3));
      const got = Array.from(aug.data.subarray(i, i + 3));
      // Outside the images both grids have the background; inside, a pixel is the image's colour or padding.
      if (got.join() !== want.join()) {
        expect(got, `pixel ${i / 4}`).toEqual([0, 0, 0]);
        padded++;
      }
    }
    expect(padded).toBeGreaterThan(0);
  });

  it('--val-per-class holds out a validation split, recorded in subset.json and reused with --subset', async () => {
    const out = join(root, 'out4');
    const text = await run({ imbalance: '0.1', valPerClass: '2', out });
    // ρ = 0.1 keeps 20, 6, 2: class 0 has no unused image, so it gives its 2 from the kept ones.
    for (const [c, n] of [[0, 18], [1, 6], [2, 2]]) expect(text).toMatch(new RegExp(`^${c} class${c} +${n} +2$`, 'm'));
    expect(text).toContain('validation: 6 images held out (2 per class)');
    const subset = JSON.parse(readFileSync(join(out, 'subset.json'), 'utf8'));
    expect(subset.valIndices).toHaveLength(6);
    expect(subset.counts).toEqual([18, 6, 2]);
    await run({ subset: join(out, 'subset.json'), out: join(root, 'out5') });
    expect(readFileSync(join(root, 'out5', 'subset.json'), 'utf8')).toBe(readFileSync(join(out, 'subset.json'), 'utf8'));
  });

  it('rejects bad flag values by name', async () => {
    await expect(run({ imbalance: '0.1', valPerClass: '-1' })).rejects.toThrow(/--val-per-class -1/);
    await expect(run({ valPerClass: '2' })).rejects.toThrow(/--val-per-class needs --imbalance/);
    await expect(run({ imbalance: '0.1', valPerClass: '20' })).rejects.toThrow(/--val-per-class 20: class 0 has only 20/);
    await expect(run({ imbalance: '0.1', subsetRng: 'python' })).rejects.toThrow(/--subset-rng python/);
    await expect(run({ imbalance: 'abc' })).rejects.toThrow(/--imbalance abc/);
    await expect(run({ profile: 'linear' })).rejects.toThrow(/--profile linear/);
    await expect(run({ seed: '1.5' })).rejects.toThrow(/--seed 1.5/);
  });
});
