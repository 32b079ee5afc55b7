// Evaluation: each image's predicted class, gathered on the GPU over every batch and read back
// once; per-class counts follow on the host from the predictions and the labels.
import { noGrad } from '../../autograd.js';
import type { GpuDataset } from '../../data/gpu-dataset.js';
import { engine } from '../../gpu/engine.js';
import type { Module } from '../../nn/module.js';
import { reusingPackedWeights } from '../../ops/conv.js';
import { argmax } from '../../ops/metrics.js';
import { Tensor, tidy } from '../../tensor.js';

/** The predicted class of every record of `data`, in record order, with `model` in eval mode. */
export async function predict(model: Module, data: GpuDataset, batchSize: number): Promise<Uint32Array> {
  const wasTraining = model.training;
  model.eval();
  const predictions = Tensor.empty([data.count], 'u32');
  try {
    reusingPackedWeights(() => {
      for (let k = 0; k < data.numBatches(batchSize); k++) {
        tidy(() => noGrad(() => void argmax(model.forward(data.evalBatch(k, batchSize).x), { out: predictions, offset: k * batchSize })));
        engine().flush();
      }
    });
    return (await predictions.read()) as Uint32Array;
  } finally {
    predictions.dispose();
    model.train(wasTraining);
  }
}

/** [correct₀, total₀, correct₁, total₁, …] of predictions against labels. */
export function countsOf(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(2 * classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    counts[2 * labels[i]] += predictions[i] === labels[i] ? 1 : 0;
    counts[2 * labels[i] + 1]++;
  }
  return counts;
}

/** [correct₀, total₀, correct₁, total₁, …] of `model` (in eval mode) on `data`. */
export async function classCounts(model: Module, data: GpuDataset, classes: number, batchSize: number): Promise<number[]> {
  return countsOf(await predict(model, data, batchSize), data.hostLabels, classes);
}
