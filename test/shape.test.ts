import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { relu } from '../src/ops/elementwise.js';
import { flatten, reshape } from '../src/ops/shape.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, randomArray, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/shape.js';

useEngine();

describe('reshape and flatten', () => {
  it('flatten of the Fashion-MNIST CNN features [2, 64, 7, 7] → [2, 3136], with gradient', async () => {
    // relu before and after so the gradient flows through a recorded op on both sides.
    await checkOp({ name: 'flatten', shapes: [[2, 64, 7, 7]], gpu: ([x]) => relu(flatten(relu(x))), ref: ([x]) => x.map((v) => Math.max(v, 0)), refVjp: ([x], g) => [g.map((v, i) => (x[i] > 0 ? v : 0))], seed: freshSeed() });
  });

  for (const [from, to] of [[[1, 3, 5, 7], [15, -1]], [[17], [1, 17]], [[2, 5, 3], [-1]]]) {
    it(`reshape [${from}] → [${to}]`, async () => {
      await checkOp({ name: 'reshape', shapes: [from], gpu: ([x]) => reshape(x, to), ref: ref.reshape, refVjp: ref.reshapeVjp, seed: freshSeed() });
    });
  }

  it('gives shapes as PyTorch and its gradient the input shape', () => {
    tidy(() => {
      const x = Tensor.from(randomArray(105, 1), [1, 3, 5, 7]);
      x.requiresGrad = true;
      const y = reshape(x, [5, -1, 3]);
      expect(y.shape).toEqual([5, 7, 3]);
      expect(flatten(x).shape).toEqual([1, 105]);
      const g = backward(y, { grad: Tensor.full([5, 7, 3], 1), inputs: [x] }).get(x)!;
      expect(g.shape).toEqual([1, 3, 5, 7]);
      expect(() => reshape(x, [4, -1])).toThrow(/cannot view/);
      expect(() => reshape(x, [-1, -1])).toThrow(/cannot view/);
      expect(() => reshape(x, [2, 2])).toThrow(/cannot reshape/);
    });
  });
});
