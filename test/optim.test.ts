import { describe, expect, it } from 'vitest';
import { engine } from '../src/gpu/engine.js';
import { SGD } from '../src/ops/optim.js';
import { Tensor } from '../src/tensor.js';
import { f32, freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import { sgdSteps, type SgdSettings } from './reference/sgd.js';

useEngine();

const settings: SgdSettings[] = [
  { lr: 0.1, momentum: 0.9, weightDecay: 0.05, nesterov: false },
  { lr: 0.05, momentum: 0.9, weightDecay: 2e-4, nesterov: true },
  { lr: 0.1, momentum: 0, weightDecay: 0.01, nesterov: false },
];

describe('SGD matches torch.optim.SGD in float64', () => {
  for (const s of settings) {
    it(`3 steps, lr ${s.lr}, momentum ${s.momentum}, weight decay ${s.weightDecay}, nesterov ${s.nesterov}`, async () => {
      const seed = freshSeed();
      // Odd sizes; the second parameter misses its gradient on step 1, so its buffer starts late.
      const sizes = [1, 1003];
      const p0 = sizes.map((n, k) => f32(randomArray(n, seed + k)));
      const grads = sizes.map((n, k) => [0, 1, 2].map((t) => (k === 1 && t === 0 ? null : f32(randomArray(n, seed + 10 * t + k + 100)))));
      const params = p0.map((p) => Tensor.from(p));
      const opt = new SGD(params, { ...s, lr: 1 });
      opt.lr = s.lr; // settable, as schedules need
      const sgdKernels = () => [...engine().stats.dispatchesByKernel].reduce((n, [label, c]) => n + (label.startsWith('sgd.') ? c : 0), 0);
      const before = sgdKernels();
      for (let t = 0; t < 3; t++) {
        params.forEach((p, k) => {
          const g = grads[k][t];
          p.grad = g ? Tensor.from(g) : null;
        });
        opt.step();
        for (let k = 0; k < params.length; k++) {
          const want = sgdSteps(p0[k], grads[k], s)[t];
          expect(relError(await params[k].read(), want), `param ${k} after step ${t + 1}, seed ${seed}`).toBeLessThan(1e-5);
        }
        opt.zeroGrad();
        expect(params.every((p) => p.grad === null)).toBe(true);
      }
      // One kernel per parameter and step with a gradient: 3 + 2.
      expect(sgdKernels() - before).toBe(5);
    });
  }

  it('rejects Nesterov without momentum, as PyTorch does', () => {
    expect(() => new SGD([], { lr: 0.1, momentum: 0, nesterov: true })).toThrow(/Nesterov/);
  });
});
