import { describe, expect, it } from 'vitest';
import { gatherRows } from '../src/ops/gather.js';
import { Tensor } from '../src/tensor.js';
import { freshSeed, randomArray, useEngine } from './helpers/gpu.js';

useEngine();

describe('gatherRows', () => {
  it('copies the chosen rows bit for bit, f32 images and u32 labels', async () => {
    const seed = freshSeed();
    const [n, c, h, w] = [9, 3, 5, 7];
    const row = c * h * w;
    const x = Float32Array.from(randomArray(n * row, seed));
    const labels = Array.from({ length: n }, (_, i) => (i * 7) % 10);
    const positions = [4, 4, 8, 0, 2, 7];
    const offset = 2;
    const pos = Tensor.from(positions, [positions.length], 'u32');
    const got = await gatherRows(Tensor.from(x, [n, c, h, w]), pos, offset, 3).read();
    const want = [8, 0, 2].flatMap((p) => Array.from(x.subarray(p * row, (p + 1) * row)));
    expect(Array.from(got), `seed ${seed}`).toEqual(want);
    const y = await gatherRows(Tensor.from(labels, [n], 'u32'), pos, 0, 4).read();
    expect(Array.from(y)).toEqual([4, 4, 8, 0].map((p) => labels[p]));
  });

  it('refuses positions past the uploaded ones', () => {
    const pos = Tensor.from([3, 1], [2], 'u32');
    expect(() => gatherRows(Tensor.from(new Float32Array(8), [4, 2]), pos, 1, 2)).toThrow(/positions 1\.\.3 past 2/);
  });
});
