import { describe, expect, it } from 'vitest';
import { engine, grid1d } from '../src/gpu/engine.js';
import { randU32, seededPermutation } from '../src/rng.js';
import { Tensor } from '../src/tensor.js';
import { useEngine } from './helpers/gpu.js';

useEngine();

describe('counter-based RNG', () => {
  it('the GPU and the CPU twin draw identical numbers', async () => {
    const n = 1000;
    const out = Tensor.empty([n], 'u32');
    engine().run({ shader: 'rng_test' }, [out], grid1d(Math.ceil(n / 64)), new Uint32Array([1234, 7, 0, 0]));
    const got = await out.read();
    for (let i = 0; i < n; i++) expect(got[i], `index ${i}`).toBe(randU32(1234, 7, i));
  });

  it('seeded permutations are permutations and repeat under the same seed', () => {
    const a = seededPermutation(100, 3, 1);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(100).keys()]);
    expect(seededPermutation(100, 3, 1)).toEqual(a);
    expect(seededPermutation(100, 4, 1)).not.toEqual(a);
  });
});
