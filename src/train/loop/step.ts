// One training step, the one the trainer, the benchmark and the tests record: the batch's loss
// (with AEGL's GAE term when the run has AEGL), backward, and the SGD update.
import { backward } from '../../autograd.js';
import type { Batch } from '../../data/gpu-dataset.js';
import type { Module } from '../../nn/module.js';
import { reusingPackedWeights } from '../../ops/conv.js';
import type { SGD } from '../../ops/optim.js';
import type { Tensor } from '../../tensor.js';
import type { Aegl } from './aegl.js';
import type { Objective } from './objective.js';

export interface StepParts {
  model: Module;
  objective: Objective;
  sgd: SGD;
  aegl?: Aegl | null;
}

/** Records the step on `batch`, batch k of the epoch (AEGL needs k for its tail positions); returns the loss, inside the caller's tidy. */
export function trainStep({ model, objective, sgd, aegl }: StepParts, batch: Batch, k: number): Tensor {
  const { x, y } = batch;
  if (!aegl) return update(() => objective.loss(model.forward(x), y), sgd);
  return aegl.sizedForStep(k, x.shape[0], () => update(() => aegl.loss(k, model, objective, x, y), sgd));
}

/** The loss and its gradients, each weight packed once for all of them (AEGL's attack uses them 7–8 times), then SGD. */
function update(lossOf: () => Tensor, sgd: SGD): Tensor {
  const loss = reusingPackedWeights(() => {
    const l = lossOf();
    backward(l);
    return l;
  });
  sgd.step();
  sgd.zeroGrad();
  return loss;
}
