import { describe, expect, it } from 'vitest';
import { normalizeCols, normalizeRows } from '../src/ops/normalize.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/normalize.js';

useEngine();

// Awkward shapes (a vector of length 1 has gradient 0, where a relative error means nothing),
// then the LDAM cosine classifier at batch 2: features [2, 64] by rows, weight [64, 10] by columns.
const rowShapes = [[1, 7], [5, 3], [17, 33], [3, 2], [2, 64]];
const colShapes = [[7, 1], [3, 5], [33, 17], [2, 3], [64, 10]];

describe('normalizeRows and normalizeCols match the float64 reference, forward and backward', () => {
  for (const [r, c] of rowShapes) {
    it(`rows of [${r}, ${c}]`, async () => {
      await checkOp({ name: 'normalizeRows', shapes: [[r, c]], gpu: ([x]) => normalizeRows(x), ref: ref.normalize(r, c, 1), refVjp: ref.normalizeVjp(r, c, 1), seed: freshSeed() });
    });
  }
  for (const [r, c] of colShapes) {
    it(`columns of [${r}, ${c}]`, async () => {
      await checkOp({ name: 'normalizeCols', shapes: [[r, c]], gpu: ([x]) => normalizeCols(x), ref: ref.normalize(r, c, 0), refVjp: ref.normalizeVjp(r, c, 0), seed: freshSeed() });
    });
  }

  it('divides by 1e-12 rather than the norm for a (nearly) zero vector, as PyTorch', async () => {
    const y = tidy(() => normalizeRows(Tensor.from([0, 0, 1e-20, 3, 4, 0], [2, 3])));
    expect([...(await y.read())].map((v) => Math.fround(v))).toEqual([0, 0, Math.fround(1e-8), 0.6, 0.8, 0].map(Math.fround));
    y.dispose();
  });
});
