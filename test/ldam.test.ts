import { describe, expect, it } from 'vitest';
import { ldamLogits } from '../src/ops/ldam.js';
import { crossEntropy } from '../src/ops/loss.js';
import { Tensor, tidy } from '../src/tensor.js';
import { ldamMargins } from '../src/train/loop/class-weights.js';
import { f32, freshSeed, randomArray, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/ldam.js';
import * as ce from './reference/loss.js';

useEngine();

/** Seeded labels in [0, C), plus margins from a long-tailed count list, as training uses them. */
function problem(n: number, c: number, seed: number) {
  const labels = Uint32Array.from(randomArray(n, seed + 1, 0, c), Math.floor);
  const counts = Array.from({ length: c }, (_, k) => Math.max(1, Math.floor(500 * 0.01 ** (k / Math.max(c - 1, 1)))));
  return { labels, margins: f32(ldamMargins(counts)) };
}

describe('ldamLogits matches the float64 reference, forward and backward', () => {
  // Batch 1, one class, C not a multiple of 4, N·C past one workgroup, CIFAR-100's 100 classes.
  for (const [n, c] of [[1, 10], [3, 1], [7, 13], [128, 10], [33, 100], [1000, 7]]) {
    for (const s of [30, 1]) {
      it(`[${n}, ${c}], s = ${s}`, async () => {
        const seed = freshSeed();
        const { labels, margins } = problem(n, c, seed);
        await checkOp({
          name: 'ldamLogits',
          shapes: [[n, c]],
          gpu: ([x]) => ldamLogits(x, Tensor.from(labels, [n], 'u32'), Tensor.from(margins, [c]), s),
          ref: ref.ldamLogits(labels, margins, s),
          refVjp: ref.ldamLogitsVjp(s),
          range: [-3, 3],
          seed,
        });
      });
    }
  }

  it('subtracts the margin at the label column only', async () => {
    const out = tidy(() =>
      ldamLogits(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]), Tensor.from([2, 0], [2], 'u32'), Tensor.from([0.5, 0.25, 0.125]), 2).keep(),
    );
    expect(Array.from(await out.read())).toEqual([2, 4, 6 - 0.25, 8 - 1, 10, 12]);
    out.dispose();
  });

  it('refuses mismatched shapes and dtypes', () => {
    tidy(() => {
      const x = Tensor.zeros([4, 3]);
      expect(() => ldamLogits(x, Tensor.zeros([4]), Tensor.zeros([3]))).toThrow(/u32 labels/);
      expect(() => ldamLogits(x, Tensor.zeros([5], 'u32'), Tensor.zeros([3]))).toThrow(/labels \[N\]/);
      expect(() => ldamLogits(x, Tensor.zeros([4], 'u32'), Tensor.zeros([4]))).toThrow(/margins \[C\]/);
    });
  });
});

describe('LDAM loss = crossEntropy(ldamLogits(…)) matches the reference LDAMLoss in float64', () => {
  // losses.py: F.cross_entropy(s·where(onehot, x − m_y, x), y, weight) — with and without DRW weights.
  for (const [n, c, weighted] of [[1, 10, false], [37, 10, true], [128, 100, true], [5, 3, false]] as const) {
    it(`[${n}, ${c}]${weighted ? ' with DRW weights' : ''}`, async () => {
      const seed = freshSeed();
      const { labels, margins } = problem(n, c, seed);
      const weights = weighted ? f32(randomArray(c, seed + 3, 0.1, 3)) : undefined;
      const k = { c, labels, weights };
      const z = ref.ldamLogits(labels, margins, 30);
      await checkOp({
        name: 'ldam+crossEntropy',
        shapes: [[n, c]],
        gpu: ([x]) =>
          crossEntropy(ldamLogits(x, Tensor.from(labels, [n], 'u32'), Tensor.from(margins, [c]), 30), Tensor.from(labels, [n], 'u32'), {
            weights: weights && Tensor.from(weights, [c]),
          }),
        ref: (xs) => ce.crossEntropy(k)([z(xs)]),
        // Chain rule through the two references: ∂/∂x = s · ∂CE/∂z.
        refVjp: (xs, g) => ref.ldamLogitsVjp(30)(xs, ce.crossEntropyVjp(k)([z(xs)], g)[0]),
        range: [-1, 1],
        seed,
      });
    });
  }
});
