import { describe, expect, it } from 'vitest';
import { accumulateClassCounts, argmax } from '../src/ops/metrics.js';
import { Tensor } from '../src/tensor.js';
import { freshSeed, randomArray, useEngine } from './helpers/gpu.js';

useEngine();

/** Row maxima on the CPU, first index on ties. */
function cpuArgmax(x: ArrayLike<number>, n: number, c: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (x[i * c + j] > x[i * c + best]) best = j;
    return best;
  });
}

/** Logits with many exact ties: values rounded to a coarse grid. */
function tiedLogits(n: number, c: number, seed: number): Float32Array {
  return Float32Array.from(randomArray(n * c, seed, -2, 2), (v) => Math.round(v));
}

describe('metrics match a CPU recount', () => {
  for (const [n, c] of [[1, 1], [1, 7], [130, 10], [5000, 3]]) {
    it(`argmax of [${n}, ${c}] (ties go to the first index)`, async () => {
      const x = tiedLogits(n, c, freshSeed());
      expect(Array.from(await argmax(Tensor.from(x, [n, c])).read())).toEqual(cpuArgmax(x, n, c));
    });
  }

  it('argmax into a split-wide buffer at an offset writes only its rows (how predict() gathers a split)', async () => {
    const [c, seed] = [10, freshSeed()];
    const out = Tensor.from(new Uint32Array(300).fill(99), [300], 'u32');
    const want = new Array(300).fill(99);
    for (const [offset, n] of [[0, 128], [128, 77], [256, 1]]) {
      const x = tiedLogits(n, c, seed + offset);
      argmax(Tensor.from(x, [n, c]), { out, offset });
      want.splice(offset, n, ...cpuArgmax(x, n, c));
    }
    expect(Array.from(await out.read())).toEqual(want);
    expect(() => argmax(Tensor.from(new Float32Array(20), [2, 10]), { out, offset: 299 })).toThrow(/do not fit/);
  });

  it('accumulateClassCounts adds per-class correct and total counts over several batches', async () => {
    const [c, seed] = [10, freshSeed()];
    const counts = Tensor.zeros([2 * c], 'u32');
    const want = new Array(2 * c).fill(0);
    for (const [b, n] of [[0, 128], [1, 1], [2, 77]]) {
      const x = tiedLogits(n, c, seed + b);
      const labels = Array.from(randomArray(n, seed + 100 + b, 0, c), Math.floor);
      const pred = cpuArgmax(x, n, c);
      labels.forEach((y, i) => {
        want[2 * y] += pred[i] === y ? 1 : 0;
        want[2 * y + 1] += 1;
      });
      accumulateClassCounts(Tensor.from(x, [n, c]), Tensor.from(labels, [n], 'u32'), counts);
    }
    expect(Array.from(await counts.read())).toEqual(want);
  });
});
