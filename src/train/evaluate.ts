// Test-set evaluation: per-class correct/total counts accumulated on the GPU over every batch,
// read back once.
import { noGrad } from '../autograd.js';
import type { GpuDataset } from '../data/gpu-dataset.js';
import { engine } from '../gpu/engine.js';
import type { Module } from '../nn/module.js';
import { accumulateClassCounts } from '../ops/metrics.js';
import { Tensor, tidy } from '../tensor.js';

/** [correct₀, total₀, correct₁, total₁, …] of `model` (in eval mode) on `data`. */
export async function classCounts(model: Module, data: GpuDataset, classes: number, batchSize: number): Promise<number[]> {
  const wasTraining = model.training;
  model.eval();
  const counts = Tensor.zeros([2 * classes], 'u32');
  try {
    for (let k = 0; k < data.numBatches(batchSize); k++) {
      tidy(() =>
        noGrad(() => {
          const { x, y } = data.evalBatch(k, batchSize);
          accumulateClassCounts(model.forward(x), y, counts);
        }),
      );
      engine().flush();
    }
    return Array.from(await counts.read());
  } finally {
    counts.dispose();
    model.train(wasTraining);
  }
}
