// GPU-resident batches: gather, conversion, crop/flip augmentation and normalisation against the
// CPU reference with the same random draws, across shards and a smaller last batch.
import { describe, expect, it } from 'vitest';
import type { ImageShape, Split } from '../src/data/dataset.js';
import { epochOrder, GpuDataset, type Augmentation } from '../src/data/gpu-dataset.js';
import { engine } from '../src/gpu/engine.js';
import { tidy } from '../src/tensor.js';
import { freshSeed, randomArray, useEngine } from './helpers/gpu.js';
import { referenceBatch, referenceDraws } from './reference/augment.js';

useEngine();

function randomSplit(n: number, shape: ImageShape, numClasses: number, seed: number): Split {
  const bytes = n * shape.channels * shape.height * shape.width;
  const images = Uint8Array.from(randomArray(bytes, seed, 0, 256), Math.floor);
  const labels = Uint8Array.from(randomArray(n, seed + 1, 0, numClasses), Math.floor);
  return { images, labels };
}

type Read = { x: Float32Array; y: Uint32Array };

async function readBatch(fn: () => { x: import('../src/tensor.js').Tensor; y: import('../src/tensor.js').Tensor }): Promise<Read> {
  const { x, y } = tidy(fn);
  const out = { x: (await x.read()) as Float32Array, y: (await y.read()) as Uint32Array };
  x.dispose();
  y.dispose();
  return out;
}

function expectBatch(got: Read, want: Read, label: string): void {
  expect(Array.from(got.y), `labels: ${label}`).toEqual(Array.from(want.y));
  expect(got.x.length, `size: ${label}`).toBe(want.x.length);
  let worst = 0;
  for (let i = 0; i < want.x.length; i++) worst = Math.max(worst, Number.isFinite(got.x[i]) ? Math.abs(got.x[i] - want.x[i]) : Infinity);
  // f32 conversion and normalisation against float64: a few ulps of values of magnitude ≤ 3.
  expect(worst, `max |gpu − ref|: ${label}`).toBeLessThan(1e-5);
}

describe('GpuDataset batches', () => {
  const crop: Augmentation = { cropPadding: 2, horizontalFlip: true };

  it('match the CPU reference across shards, epochs and a smaller last batch', async () => {
    const seed = freshSeed();
    // 105-byte images (not a multiple of 4), 9 images per shard → 5 shards.
    const shape = { channels: 3, height: 5, width: 7 };
    const n = 37;
    const split = randomSplit(n, shape, 10, seed);
    const normalize = { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] };
    const data = GpuDataset.upload(split, shape, { seed, augmentation: crop, normalize, maxShardBytes: 1000 });
    expect(data.numShards).toBe(5);
    const B = 8;
    expect(data.numBatches(B)).toBe(5);
    for (const epoch of [0, 3]) {
      data.startEpoch(epoch);
      const order = epochOrder(n, seed, epoch);
      for (let k = 0; k < data.numBatches(B); k++) {
        const sources = order.subarray(k * B, Math.min(n, (k + 1) * B));
        const want = referenceBatch(split, shape, { sources, seed, drawBase: epoch * n + k * B, augmentation: crop, ...normalize });
        const got = await readBatch(() => data.batch(k, B));
        expectBatch(got, want, `seed=${seed} epoch=${epoch} batch=${k}`);
      }
      const plain = await readBatch(() => data.batch(1, B, { augment: false }));
      expectBatch(plain, referenceBatch(split, shape, { sources: order.subarray(B, 2 * B), seed, drawBase: null, augmentation: crop, ...normalize }), `seed=${seed} unaugmented`);
    }
    data.dispose();
  });

  it('evaluation batches are sequential and never augmented (one channel, odd sizes)', async () => {
    const seed = freshSeed();
    const shape = { channels: 1, height: 9, width: 11 };
    const n = 23;
    const split = randomSplit(n, shape, 4, seed);
    const data = GpuDataset.upload(split, shape, { seed, augmentation: crop, maxShardBytes: 400 });
    const B = 10;
    for (let k = 0; k < data.numBatches(B); k++) {
      const sources = Array.from({ length: Math.min(B, n - k * B) }, (_, i) => k * B + i);
      const got = await readBatch(() => data.evalBatch(k, B));
      expectBatch(got, referenceBatch(split, shape, { sources, seed, drawBase: null, augmentation: crop }), `seed=${seed} eval batch ${k}`);
    }
    expect(() => data.batch(0, B)).toThrow(/startEpoch/);
    expect(() => data.evalBatch(3, B)).toThrow(/past/);
    data.dispose();
  });

  it('repeat under the same seed and differ under another', async () => {
    const shape = { channels: 3, height: 8, width: 8 };
    const split = randomSplit(50, shape, 10, 5);
    const first = async (seed: number) => {
      const data = GpuDataset.upload(split, shape, { seed, augmentation: crop });
      data.startEpoch(2);
      const b = await readBatch(() => data.batch(0, 16));
      data.dispose();
      return b;
    };
    const a = await first(11);
    expect(await first(11)).toEqual(a);
    expect(Array.from((await first(12)).x)).not.toEqual(Array.from(a.x));
  });

  it('a step uploads nothing and creates no buffers once warm', async () => {
    const shape = { channels: 3, height: 8, width: 8 };
    const data = GpuDataset.upload(randomSplit(100, shape, 10, 9), shape, { augmentation: crop, maxShardBytes: 4096 });
    const step = (k: number) => tidy(() => void data.batch(k, 16));
    // Epoch 0 warms the pool (the last, smaller batch needs its own size class).
    data.startEpoch(0);
    for (let k = 0; k < data.numBatches(16); k++) step(k);
    data.startEpoch(1);
    engine().flush();
    const submits = engine().stats.submits;
    const created = engine().pool.created;
    for (let k = 0; k < data.numBatches(16); k++) step(k);
    // A host upload would have forced a submit (Engine.upload flushes before writing a used buffer).
    expect(engine().stats.submits).toBe(submits);
    expect(engine().pool.created).toBe(created);
    engine().flush();
    data.dispose();
  });

  it('crop offsets cover 0…2·pad and about half the examples flip', () => {
    const counts = new Array<number>(9).fill(0);
    let flips = 0;
    const draws = 20000;
    for (let g = 0; g < draws; g++) {
      const d = referenceDraws(1, g, { cropPadding: 4, horizontalFlip: true });
      counts[d.top]++;
      counts[d.left]++;
      if (d.flip) flips++;
    }
    for (const c of counts) expect(c / (2 * draws)).toBeCloseTo(1 / 9, 1);
    expect(flips / draws).toBeCloseTo(0.5, 1);
  });
});
