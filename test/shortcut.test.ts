import { describe, expect, it } from 'vitest';
import { shortcutA } from '../src/ops/shortcut.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/shortcut.js';

useEngine();

// Awkward shapes (batch 1, odd H and W, odd channel counts), then ResNet-32's two downsampling
// shortcuts at batch 2 (16 → 32 channels at 32×32, 32 → 64 at 16×16).
const cases: [ref.Nchw, number][] = [
  [[1, 3, 5, 7], 5],
  [[2, 5, 3, 3], 9],
  [[1, 17, 9, 11], 17],
  [[3, 1, 1, 2], 3],
  [[4, 16, 35, 33], 32], // more values than a narrow dispatch has invocations
  [[2, 16, 32, 32], 32],
  [[2, 32, 16, 16], 64],
];

describe('shortcutA matches the float64 reference, forward and backward', () => {
  for (const [s, co] of cases) {
    it(`[${s}] → ${co} channels`, async () => {
      await checkOp({ name: 'shortcutA', shapes: [s], gpu: ([x]) => shortcutA(x, co), ref: ref.shortcutA(s, co), refVjp: ref.shortcutAVjp(s, co), seed: freshSeed() });
    });
  }

  it('rejects a channel count it cannot pad evenly', () => {
    tidy(() => {
      expect(() => shortcutA(Tensor.zeros([1, 16, 4, 4]), 31)).toThrow(/evenly/);
    });
  });
});
