import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { globalAvgPool, maxPool2d } from '../src/ops/pool.js';
import { Tensor, tidy } from '../src/tensor.js';
import { f32, freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/pool.js';

useEngine();

// Awkward shapes (batch 1, odd H and W, channels 3, 5, 17), then the real layers at batch 2:
// the Fashion-MNIST CNN's two max pools and ResNet-32's global average pool.
// [4, 33, 37, 29] has more outputs than a narrow dispatch has invocations (the grid-stride loop runs twice).
const maxShapes: ref.Nchw[] = [[1, 3, 5, 7], [2, 5, 2, 3], [1, 17, 9, 11], [3, 1, 4, 4], [4, 33, 37, 29], [2, 32, 28, 28], [2, 64, 14, 14]];
const avgShapes: ref.Nchw[] = [[1, 3, 5, 7], [2, 5, 1, 1], [1, 17, 9, 11], [3, 17, 19, 23], [2, 64, 8, 8]];

describe('pooling matches the float64 reference, forward and backward', () => {
  for (const s of maxShapes) {
    it(`maxPool2d on [${s}]`, async () => {
      await checkOp({ name: 'maxPool2d', shapes: [s], gpu: ([x]) => maxPool2d(x), ref: ref.maxPool(s), refVjp: ref.maxPoolVjp(s), seed: freshSeed() });
    });
  }
  for (const s of avgShapes) {
    it(`globalAvgPool on [${s}]`, async () => {
      await checkOp({ name: 'globalAvgPool', shapes: [s], gpu: ([x]) => globalAvgPool(x), ref: ref.globalAvgPool(s), refVjp: ref.globalAvgPoolVjp(s), seed: freshSeed() });
    });
  }

  it('maxPool2d sends the gradient to the first maximum of a window on ties, as PyTorch', async () => {
    const s: ref.Nchw = [2, 3, 7, 5];
    const seed = freshSeed();
    // Values from {0, 1, 2}: most windows hold a tie for the maximum.
    const x = Float64Array.from(randomArray(2 * 3 * 7 * 5, seed, 0, 3), Math.floor);
    const g = f32(randomArray(2 * 3 * 3 * 2, seed + 1));
    const dx = tidy(() => {
      const xt = Tensor.from(x, s);
      xt.requiresGrad = true;
      return backward(maxPool2d(xt), { grad: Tensor.from(g, [2, 3, 3, 2]), inputs: [xt] }).get(xt)!;
    });
    expect(relError(await dx.read(), ref.maxPoolVjp(s)([x], g)[0]), `seed=${seed}`).toBe(0);
    dx.dispose();
  });

  it('maxPool2d rejects inputs smaller than the window', () => {
    tidy(() => {
      expect(() => maxPool2d(Tensor.zeros([1, 1, 1, 4]))).toThrow(/smaller/);
    });
  });
});
