// `aegl-gpu predict` on a model trained here: image files read as the model was trained (grey
// from RGB, its input size, its --normalize statistics) give the classes its own evaluation
// predicted; top-k sorted probabilities; bad input named in one line.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readFashionMnist } from '../src/data/idx.js';
import { predictImages } from '../src/train/commands/predict.js';
import { train } from '../src/train/commands/train.js';
import { runCli } from './helpers/cli.js';
import { useEngine } from './helpers/gpu.js';
import { TINY_SIDE, writeTinyFashion } from './helpers/tiny-dataset.js';

useEngine();
const data = writeTinyFashion();
const root = mkdtempSync(join(tmpdir(), 'aegl-predict-'));

/** The tiny test split as RGB PNG files (grey replicated), named by index so they sort in order. */
function writeTestImages(): string {
  const dir = join(root, 'images');
  mkdirSync(dir);
  const test = readFashionMnist(data).test;
  const px = TINY_SIDE * TINY_SIDE;
  for (let i = 0; i < test.labels.length; i++) {
    const png = new pngjs.PNG({ width: TINY_SIDE, height: TINY_SIDE });
    for (let p = 0; p < px; p++) {
      const v = test.images[i * px + p];
      png.data.set([v, v, v, 255], 4 * p);
    }
    writeFileSync(join(dir, `${String(i).padStart(3, '0')}.png`), pngjs.PNG.sync.write(png));
  }
  return dir;
}

describe('aegl-gpu predict', () => {
  it('predicts what the run\'s own evaluation predicted, for a --normalize model, with sorted top-k probabilities', async () => {
    const r = await train({ dataset: 'fmnist', dataDir: data, imbalance: 0.25, epochs: 1, batchSize: 16, lr: 0.05, seed: 2, normalize: true }, { out: join(root, 'run'), log: () => {} });
    const images = writeTestImages();
    const predicted = await predictImages([images], { checkpoint: join(r.dir, 'last.safetensors'), topK: '3' });
    const evaluated = JSON.parse(readFileSync(join(r.dir, 'predictions.json'), 'utf8')).last.test as number[];
    expect(predicted).toHaveLength(evaluated.length);
    expect(predicted.map((p) => p.top[0].index)).toEqual(evaluated);
    for (const p of predicted) {
      expect(p.top).toHaveLength(3);
      expect(p.top[0].probability).toBeGreaterThanOrEqual(p.top[1].probability);
      expect(p.top[1].probability).toBeGreaterThanOrEqual(p.top[2].probability);
      expect(p.top[0].probability + p.top[1].probability + p.top[2].probability).toBeLessThanOrEqual(1 + 1e-9);
    }
    expect(predicted[0].top[0].name).toBe(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'][predicted[0].top[0].index]);
  });

  it('runs from the command line with --json, and names a bad image or flag in one line', async () => {
    const checkpoint = join(root, 'run', 'last.safetensors');
    const ok = await runCli(['predict', '--checkpoint', checkpoint, '--top-k', '2', '--json', join(root, 'images', '000.png'), join(root, 'images', '001.png')]);
    expect(ok.code, ok.output).toBe(0);
    const json = JSON.parse(ok.stdout);
    expect(json.map((p: { file: string }) => p.file)).toEqual([join(root, 'images', '000.png'), join(root, 'images', '001.png')]);
    expect(json[0].top).toHaveLength(2);
    const broken = join(root, 'broken.png');
    writeFileSync(broken, 'not an image');
    await expect(predictImages([broken], { checkpoint })).rejects.toThrow(new RegExp(`${broken}: unreadable image`));
    await expect(predictImages([join(root, 'missing.png')], { checkpoint })).rejects.toThrow(/missing.png: cannot read \(ENOENT\)/);
    await expect(predictImages([join(root, 'images')], { checkpoint, topK: '0' })).rejects.toThrow(/--top-k 0: expected a positive integer/);
  });
});
