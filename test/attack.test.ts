import { describe, expect, it } from 'vitest';
import { countGaes, markGaes, pgdRandomStart, pgdStep } from '../src/ops/attack.js';
import { Tensor } from '../src/tensor.js';
import { f32, freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import * as ref from './reference/attack.js';

useEngine();
const eps = 1 / 255;
const alpha = eps / 8;

describe('PGD kernels match the float64 reference', () => {
  it('pgd_step projects onto the ε-ball, clips to [0, 1], and leaves zero gradients alone', async () => {
    const seed = freshSeed();
    const n = 3 * 7 * 5 + 1;
    // Clean pixels at and near 0 and 1, iterates near the ball's edge, gradients with exact zeros.
    const clean = f32(randomArray(n, seed, 0, 1).map((v, i) => (i % 7 === 0 ? 0 : i % 7 === 1 ? 1 : v)));
    const x = f32(clean.map((c, i) => Math.min(1, Math.max(0, c + (randomArray(1, seed + i, -1.2, 1.2)[0] * eps)))));
    const grad = f32(randomArray(n, seed + 2).map((g, i) => (i % 5 === 0 ? 0 : g)));
    const got = await pgdStep(Tensor.from(x), Tensor.from(clean), Tensor.from(grad), eps, alpha).read();
    const want = ref.pgdStep(x, clean, grad, eps, alpha);
    expect(relError(got, want), `seed ${seed}`).toBeLessThan(1e-6);
    for (let i = 0; i < n; i++) {
      expect(got[i]).toBeGreaterThanOrEqual(0);
      expect(got[i]).toBeLessThanOrEqual(1);
      expect(Math.abs(got[i] - clean[i])).toBeLessThanOrEqual(eps + 1e-6);
      if (grad[i] === 0 && Math.abs(x[i] - clean[i]) <= eps) expect(got[i]).toBe(Math.fround(x[i]));
    }
  });

  it('random_start draws U(−ε, ε) exactly as the CPU twin', async () => {
    const seed = freshSeed();
    const clean = f32(randomArray(1000, seed, 0, 1));
    const got = await pgdRandomStart(Tensor.from(clean), eps, seed, 777).read();
    expect(relError(got, ref.randomStart(clean, eps, seed, 777)), `seed ${seed}`).toBeLessThan(1e-6);
  });
});

describe('GAE mask and counts match a CPU recomputation', () => {
  for (const official of [false, true]) {
    it(`${official ? 'official' : 'default'} filter`, async () => {
      const seed = freshSeed();
      const classes = 10;
      const tailFrom = 5;
      const n = 37;
      const labels = Array.from(randomArray(n, seed, 0, classes), (v) => Math.floor(v));
      const logits = f32(randomArray(n * classes, seed + 1, -3, 3));
      const filter = { classes, tailFrom, official };
      const mark = Tensor.zeros([n]);
      const labelTensor = Tensor.from(labels, [n], 'u32');
      markGaes(Tensor.from(logits, [n, classes]), labelTensor, mark, filter);
      const want = ref.gaeMark(logits, labels, classes, tailFrom, official);
      expect(Array.from(await mark.read()), `seed ${seed}`).toEqual(want);

      const counts = Tensor.zeros([2 * classes], 'u32');
      countGaes(labelTensor, mark, counts, filter);
      const wantCounts = new Array(2 * classes).fill(0);
      labels.forEach((y, i) => {
        if (y >= tailFrom) wantCounts[2 * y + (want[i] ? 0 : 1)]++;
      });
      expect(Array.from(await counts.read())).toEqual(wantCounts);
    });
  }

  it('a mark, once set, stays set when a later iterate does not cross', async () => {
    const labels = Tensor.from([7], [1], 'u32');
    const mark = Tensor.zeros([1]);
    const filter = { classes: 10, tailFrom: 5, official: false };
    markGaes(Tensor.from([0, 0, 0, 9, 0, 0, 0, 0, 0, 0], [1, 10]), labels, mark, filter); // head class 3
    markGaes(Tensor.from([0, 0, 0, 0, 0, 0, 0, 9, 0, 0], [1, 10]), labels, mark, filter); // back to 7
    expect(Array.from(await mark.read())).toEqual([1]);
  });
});
