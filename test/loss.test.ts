import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../src/ops/loss.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, randomArray, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/loss.js';

useEngine();

type MaskKind = 'none' | 'random' | 'zero';

/** Compares crossEntropy on [n, c] logits with the reference; labels, weights and mask are seeded. */
async function checkCe(n: number, c: number, o: { weights?: boolean; mask?: MaskKind; range?: [number, number] }) {
  const seed = freshSeed();
  const labels = Array.from(randomArray(n, seed + 1, 0, c), Math.floor);
  const weights = o.weights ? Array.from(randomArray(c, seed + 2, 0.1, 3)) : undefined;
  const mask = !o.mask || o.mask === 'none' ? undefined : Array.from(randomArray(n, seed + 3), (v) => (o.mask === 'random' && v > 0 ? 1 : 0));
  const k = { c, labels, weights: weights && Float32Array.from(weights), mask };
  await checkOp({
    name: `crossEntropy weights=${!!o.weights} mask=${o.mask ?? 'none'}`,
    shapes: [[n, c]],
    gpu: ([x]) =>
      crossEntropy(x, Tensor.from(labels, [n], 'u32'), {
        weights: weights && Tensor.from(weights),
        mask: mask && Tensor.from(mask),
      }),
    ref: ref.crossEntropy(k),
    refVjp: ref.crossEntropyVjp(k),
    range: o.range,
    seed,
    // The reference's finite-difference check costs O((N·C)²), and at ±1e4 its rounding error
    // (1e4·ε / h) exceeds its tolerance: the small moderate-range cases validate the reference.
    skipNumeric: n * c > 512 || !!o.range,
  });
}

describe('fused softmax + cross-entropy matches the float64 reference, forward and backward', () => {
  // 300 rows take two reduction passes; 100 classes is CIFAR-100's head.
  for (const [n, c] of [[1, 1], [1, 3], [7, 10], [128, 10], [33, 100], [300, 7]]) {
    it(`[${n}, ${c}] plain, weighted, masked, weighted and masked`, async () => {
      await checkCe(n, c, {});
      await checkCe(n, c, { weights: true });
      await checkCe(n, c, { mask: 'random' });
      await checkCe(n, c, { weights: true, mask: 'random' });
    });
  }

  it('an all-zero mask gives loss 0 and gradient 0, not NaN', async () => {
    await checkCe(9, 5, { mask: 'zero' });
    await checkCe(9, 5, { weights: true, mask: 'zero' });
  });

  it('stays exact for logits of ±1e4', async () => {
    await checkCe(17, 10, { range: [-1e4, 1e4] });
    await checkCe(17, 10, { weights: true, mask: 'random', range: [-1e4, 1e4] });
  });

  it('rejects labels that are not u32 [N]', () => {
    tidy(() => {
      expect(() => crossEntropy(Tensor.zeros([4, 3]), Tensor.zeros([4]))).toThrow(/labels should be u32/);
    });
  });
});
