// Batch normalisation (PyTorch's F.batch_norm semantics) over [N, C, ...] tensors.
// Training: 2 dispatches forward (one-pass statistics that also update the running statistics
// in place, then the normalisation) and 2 backward (per-channel sums, then ∂x). Inference:
// 1 forward, and 1 backward when only ∂x is wanted (the AEGL attack).
import { record } from '../autograd.js';
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

export interface BatchNormOptions {
  training: boolean;
  /** Weight of the new batch statistic in the running average, as PyTorch's momentum. */
  momentum?: number;
  eps?: number;
}

const WG_EW = 256;

function run(entry: string, constants: Record<string, number>, bindings: Tensor[], workgroups: readonly number[]): void {
  engine().run({ shader: 'batchnorm', entry, constants }, bindings, workgroups);
}

function batchNorm(x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, options: BatchNormOptions): Tensor {
  const [n, c] = x.shape;
  const hw = x.size / (n * c);
  for (const [name, t] of [['weight', weight], ['bias', bias], ['runningMean', runningMean], ['runningVar', runningVar]] as const) {
    if (t.shape.length !== 1 || t.shape[0] !== c) throw new Error(`batchNorm: ${name} has shape [${t.shape.join(', ')}], expected [${c}]`);
  }
  const { training, momentum = 0.1, eps = 1e-5 } = options;
  const vec = hw % 4 === 0 ? 4 : hw % 2 === 0 ? 2 : 1;
  const shape = { C: c, HW: hw, VEC: vec };
  const ew = grid1d(Math.ceil(x.size / vec / WG_EW));
  const y = Tensor.empty(x.shape);

  if (!training) {
    // Inference: normalise with the running statistics; the tape keeps them by reference, as
    // PyTorch does, so they must not change between this forward and its backward.
    run('apply', { ...shape, EPS: eps, EVAL: 1 }, [x, weight, bias, runningMean, runningVar, y], ew);
    return record(y, 'batchNorm', [x, weight, bias], (g, needs) => {
      let dweight: Tensor | null = null;
      let dbias: Tensor | null = null;
      if (needs[1] || needs[2]) {
        dweight = Tensor.empty([c]);
        dbias = Tensor.empty([c]);
        run('reduce', { ...shape, NB: n, EPS: eps, EVAL: 1 }, [x, g, runningMean, runningVar, dweight, dbias], [c]);
      }
      let dx: Tensor | null = null;
      if (needs[0]) {
        dx = Tensor.empty(x.shape);
        run('dx_eval', { ...shape, EPS: eps }, [g, weight, runningVar, dx], ew);
      }
      return [dx, keepIf(dweight, needs[1]), keepIf(dbias, needs[2])];
    });
  }

  if (n * hw < 2) throw new Error(`batchNorm: training needs more than one value per channel, got input [${x.shape.join(', ')}] (as PyTorch)`);
  const mean = Tensor.empty([c]);
  const invstd = Tensor.empty([c]);
  run('stats', { ...shape, NB: n, EPS: eps, MOMENTUM: momentum }, [x, mean, invstd, runningMean, runningVar], [c]);
  run('apply', { ...shape, EPS: eps, EVAL: 0 }, [x, weight, bias, mean, invstd, y], ew);
  return record(y, 'batchNorm', [x, weight, bias], (g, needs) => {
    // Σg and Σg·x̂ are both ∂bias and ∂weight and the two sums ∂x needs.
    const sumGxhat = Tensor.empty([c]);
    const sumG = Tensor.empty([c]);
    run('reduce', { ...shape, NB: n, EPS: eps, EVAL: 0 }, [x, g, mean, invstd, sumGxhat, sumG], [c]);
    let dx: Tensor | null = null;
    if (needs[0]) {
      dx = Tensor.empty(x.shape);
      run('dx_train', { ...shape, NB: n }, [x, g, weight, mean, invstd, sumGxhat, sumG, dx], ew);
    }
    return [dx, keepIf(sumGxhat, needs[1]), keepIf(sumG, needs[2])];
  });
}

/** Returns t when its gradient is wanted; otherwise gives its buffer back now (commands run in order). */
function keepIf(t: Tensor | null, needed: boolean): Tensor | null {
  if (needed) return t;
  t?.dispose();
  return null;
}

/** BatchNorm over [N, C, H, W] (PyTorch BatchNorm2d); running statistics are updated in place when training. */
export function batchNorm2d(x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, options: BatchNormOptions): Tensor {
  if (x.shape.length !== 4) throw new Error(`batchNorm2d: input [${x.shape.join(', ')}] is not [N, C, H, W]`);
  return batchNorm(x, weight, bias, runningMean, runningVar, options);
}

/** BatchNorm over [N, C] or [N, C, L] (PyTorch BatchNorm1d): the same kernels with H·W = L. */
export function batchNorm1d(x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, options: BatchNormOptions): Tensor {
  if (x.shape.length !== 2 && x.shape.length !== 3) throw new Error(`batchNorm1d: input [${x.shape.join(', ')}] is not [N, C] or [N, C, L]`);
  return batchNorm(x, weight, bias, runningMean, runningVar, options);
}
