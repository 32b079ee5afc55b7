// Batch normalisation (PyTorch's F.batch_norm semantics) over [N, C, ...] tensors.
// Training: 2 dispatches forward (one-pass statistics that also update the running statistics
// in place, then the normalisation) and 2 backward (per-channel sums, then ∂x). Inference:
// 1 forward, and 1 backward when only ∂x is wanted (the AEGL attack).
import { record } from '../autograd.js';
import { engine } from '../gpu/engine.js';
import { defaultGridVariant, GRID_VARIANTS, strideGrid, type GridVariant } from '../gpu/grid-stride.js';
import { chooseVariant, registerTunable } from '../gpu/tuner.js';
import { Tensor } from '../tensor.js';
import { reluBackwardOfSum } from './elementwise.js';

export interface BatchNormOptions {
  training: boolean;
  /** Weight of the new batch statistic in the running average, as PyTorch's momentum. */
  momentum?: number;
  eps?: number;
  /** Force the elementwise kernels' dispatch size (tests, benchmarks); the tuner's choice otherwise. */
  variant?: BatchNormVariant;
  /** relu(batch_norm(x)) in the same passes, forward and backward (no ReLU kernels of its own). */
  relu?: boolean;
  /**
   * relu(batch_norm(x) + residual) with `relu`: a residual block's end, the sum in the
   * normalisation's pass. Backward: the ReLU's mask from the output, then batch norm's own.
   */
  residual?: Tensor;
}

const WG_EW = 256;
/** Dispatch sizes of the elementwise kernels (grid-stride loops, see grid-stride.ts), tuned per adapter and shape. */
export const BATCHNORM_VARIANTS = GRID_VARIANTS;
export type BatchNormVariant = GridVariant;

interface Geometry {
  n: number;
  c: number;
  hw: number;
  /** Values per run: the largest of 16, 8, 4, 2, 1 dividing H·W, so a run stays in one channel. */
  vec: number;
  eps: number;
  variant: BatchNormVariant;
}

function geometry(x: Tensor, eps: number, forced?: BatchNormVariant): Geometry {
  const [n, c] = x.shape;
  const hw = x.size / (n * c);
  const key = `${n}x${c}x${hw}`;
  const variant = forced ?? (chooseVariant('batchnorm.elementwise', key, BATCHNORM_VARIANTS, defaultGridVariant()) as BatchNormVariant);
  return { n, c, hw, vec: [16, 8, 4, 2, 1].find((v) => hw % v === 0)!, eps, variant };
}

/** Runs `entry`, or its `_vec4` twin where runs of 4 or more share a channel (one vec4 load for four scalar ones). */
function run(entry: string, g: Geometry, constants: Record<string, number>, bindings: Tensor[], workgroups: readonly number[]): void {
  const kernel = { shader: 'batchnorm', entry: g.vec >= 4 ? `${entry}_vec4` : entry, constants: { C: g.c, HW: g.hw, VEC: g.vec, ...constants } };
  engine().run(kernel, bindings, workgroups);
}

/** An elementwise kernel over all N·C·H·W values, a run of VEC per invocation. */
function runElementwise(entry: 'apply' | 'dx_train' | 'dx_eval', g: Geometry, constants: Record<string, number>, bindings: Tensor[]): void {
  run(entry, g, constants, bindings, strideGrid((g.n * g.c * g.hw) / g.vec, WG_EW, g.variant));
}

/** A per-channel reduction over the batch: one workgroup per channel. */
function runReduction(entry: 'stats' | 'reduce', g: Geometry, constants: Record<string, number>, bindings: Tensor[]): void {
  run(entry, g, { EPS: g.eps, ...constants }, bindings, [g.c]);
}

/**
 * y = (x − a)·σ⁻¹·w + b, where (a, b) are (mean, 1/σ), or (running mean, running var) in
 * inference; plus the residual if any; clamped at 0 with relu.
 */
function normalise(g: Geometry, x: Tensor, weight: Tensor, bias: Tensor, statA: Tensor, statB: Tensor, inference: boolean, relu = false, residual: Tensor | null = null): Tensor {
  const y = Tensor.empty(x.shape);
  const constants = { EPS: g.eps, EVAL: Number(inference), RELU: Number(relu), RESIDUAL: Number(residual !== null) };
  // Without a residual, x fills its slot: the binding must exist, and RESIDUAL=0 never reads it.
  runElementwise('apply', g, constants, [x, weight, bias, statA, statB, y, residual ?? x]);
  return y;
}

// The tuner times the dispatch sizes on the normalisation (the other elementwise kernels share its access pattern).
registerTunable('batchnorm.elementwise', BATCHNORM_VARIANTS, (key) => {
  const [n, c, hw] = key.split('x').map(Number);
  return {
    inputs: [[n, c, hw], [c], [c], [c], [c]],
    run: (variant, [x, w, b, mean, invstd]) => normalise(geometry(x, 1e-5, variant as BatchNormVariant), x, w, b, mean, invstd, false),
  };
});

/** Returns t when its gradient is wanted; otherwise gives its buffer back now (commands run in order). */
function keepIf(t: Tensor | null, needed: boolean): Tensor | null {
  if (needed) return t;
  t?.dispose();
  return null;
}

function batchNorm(x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, options: BatchNormOptions): Tensor {
  const { training, momentum = 0.1, eps = 1e-5, relu = false, residual = null } = options;
  if (residual && (!relu || residual.shape.join() !== x.shape.join())) {
    throw new Error(`batchNorm: a residual [${residual.shape.join(', ')}] needs relu and the input's shape [${x.shape.join(', ')}]`);
  }
  // Behind a fused ReLU the backward kernels recompute the mask from x, weight and bias (bound
  // either way); behind a residual, reluBackwardOfSum masks first and they see no ReLU.
  const RELU = Number(relu && !residual);
  const g = geometry(x, eps, options.variant);
  for (const [name, t] of [['weight', weight], ['bias', bias], ['runningMean', runningMean], ['runningVar', runningVar]] as const) {
    if (t.shape.length !== 1 || t.shape[0] !== g.c) throw new Error(`batchNorm: ${name} has shape [${t.shape.join(', ')}], expected [${g.c}]`);
  }
  const parents = residual ? [x, weight, bias, residual] : [x, weight, bias];
  /**
   * Records the op with gradients from `grads`, given ∂(batch-norm output) and, behind a
   * residual, ∂residual: the incoming gradient where y is positive. A block's output feeds the
   * next block twice (its conv and its shortcut): behind a residual, the two parts are summed in
   * the masking pass.
   */
  const recordWith = (y: Tensor, grads: (dy: Tensor, dresidual: Tensor | null, needs: readonly boolean[]) => (Tensor | null)[]): Tensor => {
    if (!residual) return record(y, 'batchNorm', parents, (dy, needs) => grads(dy, null, needs));
    const masked = (parts: readonly Tensor[], needs: readonly boolean[]) => {
      const m = reluBackwardOfSum(y, parts);
      return grads(m, m, needs);
    };
    return record(y, 'batchNorm', parents, (dy, needs) => masked([dy], needs), masked);
  };

  if (!training) {
    // Inference: normalise with the running statistics; the tape keeps them by reference, as
    // PyTorch does, so they must not change between this forward and its backward.
    const y = normalise(g, x, weight, bias, runningMean, runningVar, true, relu, residual);
    return recordWith(y, (dy, dresidual, needs) => {
      let dweight: Tensor | null = null;
      let dbias: Tensor | null = null;
      if (needs[1] || needs[2]) {
        dweight = Tensor.empty([g.c]);
        dbias = Tensor.empty([g.c]);
        runReduction('reduce', g, { EVAL: 1, RELU }, [x, dy, runningMean, runningVar, dweight, dbias, weight, bias]);
      }
      let dx: Tensor | null = null;
      if (needs[0]) {
        dx = Tensor.empty(x.shape);
        runElementwise('dx_eval', g, { EPS: eps, RELU }, [dy, weight, runningVar, dx, x, runningMean, bias]);
      }
      return [dx, keepIf(dweight, needs[1]), keepIf(dbias, needs[2]), dresidual];
    });
  }

  if (g.n * g.hw < 2) throw new Error(`batchNorm: training needs more than one value per channel, got input [${x.shape.join(', ')}] (as PyTorch)`);
  const mean = Tensor.empty([g.c]);
  const invstd = Tensor.empty([g.c]);
  runReduction('stats', g, { MOMENTUM: momentum }, [x, mean, invstd, runningMean, runningVar]);
  const y = normalise(g, x, weight, bias, mean, invstd, false, relu, residual);
  return recordWith(y, (dy, dresidual, needs) => {
    // Σg and Σg·x̂ are both ∂bias and ∂weight and the two sums ∂x needs.
    const sumGxhat = Tensor.empty([g.c]);
    const sumG = Tensor.empty([g.c]);
    runReduction('reduce', g, { EVAL: 0, RELU }, [x, dy, mean, invstd, sumGxhat, sumG, weight, bias]);
    let dx: Tensor | null = null;
    if (needs[0]) {
      dx = Tensor.empty(x.shape);
      runElementwise('dx_train', g, { RELU }, [x, dy, weight, mean, invstd, sumGxhat, sumG, dx, bias]);
    }
    return [dx, keepIf(sumGxhat, needs[1]), keepIf(sumG, needs[2]), dresidual];
  });
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
