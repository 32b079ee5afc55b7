import { describe, expect, it } from 'vitest';
import { dropout } from '../src/ops/dropout.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, randomArray, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/dropout.js';

useEngine();

async function gpuMask(shape: number[], p: number, seed: number, step: number): Promise<Float32Array> {
  const out = tidy(() => dropout(Tensor.full(shape, 1), p, { seed, step, training: true }));
  const values = (await out.read()) as Float32Array;
  out.dispose();
  return values.map((v) => (v === 0 ? 0 : 1));
}

describe('dropout', () => {
  // Steps near 2³² / size exercise the wrap of the draw index; [5, 7001] has more values than a
  // narrow dispatch has invocations (src/gpu/grid-stride.ts).
  const cases: [number[], number, number][] = [[[1, 7], 0.5, 0], [[3, 5, 17], 0.2, 3], [[2, 128], 0.9, 33554431], [[2, 3136], 0.5, 12], [[5, 7001], 0.3, 7]];
  for (const [shape, p, step] of cases) {
    it(`matches the reference with the CPU twin's mask on [${shape}], p=${p}, step ${step}`, async () => {
      const seed = freshSeed();
      const size = shape.reduce((a, b) => a * b, 1);
      const mask = ref.dropoutMask(size, p, seed, step);
      expect(await gpuMask(shape, p, seed, step), `mask seed=${seed}`).toEqual(Float32Array.from(mask));
      await checkOp({
        name: `dropout p=${p}`,
        shapes: [shape],
        gpu: ([x]) => dropout(x, p, { seed, step, training: true }),
        ref: ref.dropout(mask, p),
        refVjp: ref.dropoutVjp(mask, p),
        seed,
      });
    });
  }

  it('keeps about 1 − p of the values, and a new step draws a new mask', async () => {
    const seed = freshSeed();
    const a = await gpuMask([100000], 0.3, seed, 1);
    const kept = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(kept - 0.7), `seed=${seed}`).toBeLessThan(0.01);
    const b = await gpuMask([100000], 0.3, seed, 2);
    expect(a.filter((v, i) => v !== b[i]).length).toBeGreaterThan(30000);
  });

  it('is the identity when not training, and zeros when p = 1', async () => {
    const x = Tensor.from(randomArray(10, freshSeed()));
    expect(dropout(x, 0.5, { seed: 1, step: 0, training: false })).toBe(x);
    expect([...(await gpuMask([10], 1, 1, 0))]).toEqual(Array(10).fill(0));
    x.dispose();
  });
});
