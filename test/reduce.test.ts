import { describe, expect, it } from 'vitest';
import { sum, mean, sumRows } from '../src/ops/reduce.js';
import { Tensor } from '../src/tensor.js';
import { f32, freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/reduce.js';

useEngine();

describe('reductions match the float64 reference, forward and backward', () => {
  // 70001 and 1,000,003 take three and four passes; 256/257 straddle the one-pass limit.
  for (const shape of [[1], [7], [3, 5], [256], [257], [70001], [1000003]]) {
    it(`sum and mean of [${shape}]`, async () => {
      const seed = freshSeed();
      await checkOp({ name: 'sum', shapes: [shape], gpu: ([x]) => sum(x), ref: ref.sum, refVjp: ref.sumVjp, seed });
      await checkOp({ name: 'mean', shapes: [shape], gpu: ([x]) => mean(x), ref: ref.mean, refVjp: ref.meanVjp, seed });
    });
  }

  for (const [n, c] of [[1, 1], [1, 10], [128, 10], [257, 3], [5000, 33], [70001, 2]]) {
    it(`sumRows of [${n}, ${c}]`, async () => {
      await checkOp({ name: 'sumRows', shapes: [[n, c]], gpu: ([x]) => sumRows(x), ref: ref.sumRows(c), refVjp: ref.sumRowsVjp(c), seed: freshSeed() });
    });
  }

  it('sums 5 million positive values far more accurately than a serial f32 sum', async () => {
    // A fixed seed: the point is the summation order. Values in [1, 2) push a serial sum past 2²²,
    // where each f32 addition rounds to 0.5.
    const x = f32(randomArray(5_000_000, 12345, 1, 2));
    const want = ref.sum([x]);
    const got = relError(await sum(Tensor.from(x)).read(), want);
    let naive = Math.fround(0);
    for (const v of x) naive = Math.fround(naive + v);
    const naiveError = relError([naive], want);
    expect(got).toBeLessThan(1e-6);
    expect(naiveError).toBeGreaterThan(10 * got);
  });
});
