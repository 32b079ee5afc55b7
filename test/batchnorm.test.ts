import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { engine } from '../src/gpu/engine.js';
import { cachedChoice, tunePending } from '../src/gpu/tuner.js';
import { BATCHNORM_VARIANTS, batchNorm1d, batchNorm2d } from '../src/ops/batchnorm.js';
import { add, mul } from '../src/ops/elementwise.js';
import { Tensor, tidy } from '../src/tensor.js';
import { f32, freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/batchnorm.js';

useEngine();

// Awkward shapes (batch 1 with N·H·W > 1, channels 3, 5, 17, odd H and W; H·W of 2·odd, 4·odd
// and 8·odd for every run length the kernels take), then the real ResNet-32 and Fashion-MNIST CNN
// batch-norm inputs at batch 2.
const shapes = [
  [1, 3, 5, 7],
  [2, 5, 3, 3],
  [3, 17, 1, 1],
  [1, 17, 9, 11],
  [4, 5, 7, 1],
  [3, 5, 2, 3],
  [2, 3, 4, 3],
  [3, 5, 4, 6],
  [2, 16, 32, 32],
  [2, 32, 16, 16],
  [2, 64, 8, 8],
  [2, 32, 28, 28],
  [2, 64, 14, 14],
];
const bnShape = ([n, c, ...rest]: number[]): ref.BnShape => ({ n, c, hw: rest.reduce((a, b) => a * b, 1) });

function randomRunning(c: number, seed: number): { mean: Float64Array; variance: Float64Array } {
  return { mean: f32(randomArray(c, seed, -0.5, 0.5)), variance: f32(randomArray(c, seed + 1, 0.2, 2)) };
}

const countKernel = (prefix: string) =>
  [...engine().stats.dispatchesByKernel].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);

describe('batchNorm2d matches the float64 reference, forward and backward', () => {
  for (const shape of shapes) {
    const c = shape[1];
    it(`training mode on [${shape}]`, async () => {
      const s = bnShape(shape);
      await checkOp({
        name: 'batchNorm2d train',
        shapes: [shape, [c], [c]],
        gpu: ([x, w, b]) => batchNorm2d(x, w, b, Tensor.zeros([c]), Tensor.full([c], 1), { training: true }),
        ref: ref.trainForward(s),
        refVjp: ref.trainVjp(s),
        seed: freshSeed(),
      });
    });

    it(`inference mode on [${shape}]`, async () => {
      const s = bnShape(shape);
      const seed = freshSeed();
      const { mean, variance } = randomRunning(c, seed + 55);
      await checkOp({
        name: 'batchNorm2d eval',
        shapes: [shape, [c], [c]],
        gpu: ([x, w, b]) => batchNorm2d(x, w, b, Tensor.from(mean), Tensor.from(variance), { training: false }),
        ref: ref.evalForward(s, mean, variance),
        refVjp: ref.evalVjp(s, mean, variance),
        seed,
      });
    });
  }

  // Both dispatch sizes of the elementwise kernels; at [2, 17, 33, 31] the narrow one loops.
  for (const variant of BATCHNORM_VARIANTS) {
    for (const shape of [[1, 17, 9, 11], [2, 17, 33, 31]]) {
      const c = shape[1];
      const s = bnShape(shape);
      it(`${variant} dispatch, training and inference, on [${shape}]`, async () => {
        const seed = freshSeed();
        const { mean, variance } = randomRunning(c, seed + 55);
        await checkOp({
          name: `batchNorm2d train ${variant}`,
          shapes: [shape, [c], [c]],
          gpu: ([x, w, b]) => batchNorm2d(x, w, b, Tensor.zeros([c]), Tensor.full([c], 1), { training: true, variant }),
          ref: ref.trainForward(s),
          refVjp: ref.trainVjp(s),
          seed,
        });
        await checkOp({
          name: `batchNorm2d eval ${variant}`,
          shapes: [shape, [c], [c]],
          gpu: ([x, w, b]) => batchNorm2d(x, w, b, Tensor.from(mean), Tensor.from(variance), { training: false, variant }),
          ref: ref.evalForward(s, mean, variance),
          refVjp: ref.evalVjp(s, mean, variance),
          seed,
        });
      });
    }
  }

  it('normalises accurately when |mean| ≫ σ (one-pass statistics do not cancel)', async () => {
    const shape = [4, 5, 9, 7];
    const s = bnShape(shape);
    await checkOp({
      name: 'batchNorm2d offset',
      shapes: [shape, [5], [5]],
      gpu: ([x, w, b]) => batchNorm2d(x, w, b, Tensor.zeros([5]), Tensor.full([5], 1), { training: true }),
      ref: ref.trainForward(s),
      seed: freshSeed(),
      range: [300, 301],
    });
  });

  it('batchNorm1d on [N, C] and [N, C, L]', async () => {
    for (const shape of [[5, 17], [1, 3, 7]]) {
      const s = bnShape(shape);
      const c = shape[1];
      await checkOp({
        name: 'batchNorm1d train',
        shapes: [shape, [c], [c]],
        gpu: ([x, w, b]) => batchNorm1d(x, w, b, Tensor.zeros([c]), Tensor.full([c], 1), { training: true }),
        ref: ref.trainForward(s),
        refVjp: ref.trainVjp(s),
        seed: freshSeed(),
      });
    }
  });
});

describe('batchNorm2d running statistics and dispatches', () => {
  it('updates running mean and unbiased variance in place over two steps, as PyTorch', async () => {
    const shape = [3, 5, 7, 9];
    const s = bnShape(shape);
    const seed = freshSeed();
    const start = randomRunning(5, seed);
    const runningMean = Tensor.from(start.mean);
    const runningVar = Tensor.from(start.variance);
    const want = { mean: start.mean.slice(), variance: start.variance.slice() };
    const weight = Tensor.full([5], 1);
    const bias = Tensor.zeros([5]);
    for (let step = 0; step < 2; step++) {
      const x = f32(randomArray(shape.reduce((a, b) => a * b), seed + 10 + step, -1 + step, 2 + step));
      tidy(() => batchNorm2d(Tensor.from(x, shape), weight, bias, runningMean, runningVar, { training: true }));
      ref.updateRunning(s, x, want.mean, want.variance);
    }
    expect(relError(await runningMean.read(), want.mean), `running mean, seed=${seed}`).toBeLessThan(1e-5);
    expect(relError(await runningVar.read(), want.variance), `running var, seed=${seed}`).toBeLessThan(1e-5);
    // Inference mode reads them and leaves them alone.
    tidy(() => batchNorm2d(Tensor.from(randomArray(s.n * s.c * s.hw, seed), shape), weight, bias, runningMean, runningVar, { training: false }));
    expect(relError(await runningVar.read(), want.variance)).toBeLessThan(1e-5);
    [runningMean, runningVar, weight, bias].forEach((t) => t.dispose());
  });

  it('inference mode with ∂x alone (the attack) runs no weight/bias-gradient kernel', async () => {
    const shape = [2, 16, 8, 8];
    const seed = freshSeed();
    const { mean, variance } = randomRunning(16, seed);
    const before = { reduce: countKernel('batchnorm.reduce'), dx: countKernel('batchnorm.dx_eval') };
    await checkOp({
      name: 'batchNorm2d eval ∂x only',
      shapes: [shape, [16], [16]],
      gpu: ([x, w, b]) => batchNorm2d(x, w, b, Tensor.from(mean), Tensor.from(variance), { training: false }),
      ref: ref.evalForward(bnShape(shape), mean, variance),
      refVjp: ref.evalVjp(bnShape(shape), mean, variance),
      differentiable: [0],
      seed,
    });
    expect(countKernel('batchnorm.reduce') - before.reduce).toBe(0);
    expect(countKernel('batchnorm.dx_eval') - before.dx).toBe(1);
  });

  it('training forward and backward take two batch-norm dispatches each', () => {
    const shape = [2, 5, 3, 3];
    tidy(() => {
      const x = Tensor.from(randomArray(90, 1), shape);
      const w = Tensor.full([5], 1);
      x.requiresGrad = w.requiresGrad = true;
      const start = countKernel('batchnorm.');
      const y = batchNorm2d(x, w, Tensor.zeros([5]), Tensor.zeros([5]), Tensor.full([5], 1), { training: true });
      expect(countKernel('batchnorm.') - start).toBe(2);
      backward(y, { grad: Tensor.from(randomArray(90, 2), shape), inputs: [x, w] });
      expect(countKernel('batchnorm.') - start).toBe(4);
    });
  });

  it('the tuner times both elementwise dispatch sizes for a new shape and caches one', async () => {
    process.env.AEGL_CACHE_DIR = mkdtempSync(join(tmpdir(), 'aegl-bn-tune-'));
    delete process.env.AEGL_TUNE;
    tidy(() => {
      batchNorm2d(Tensor.zeros([3, 7, 6, 10]), Tensor.zeros([7]), Tensor.zeros([7]), Tensor.zeros([7]), Tensor.full([7], 1), { training: true });
    });
    const tuned = (await tunePending()).filter((t) => t.kind === 'batchnorm.elementwise');
    expect(tuned.map((t) => t.key)).toContain('3x7x60');
    const choice = cachedChoice('batchnorm.elementwise', '3x7x60')!;
    expect(BATCHNORM_VARIANTS).toContain(choice.variant);
    for (const v of BATCHNORM_VARIANTS) expect(choice.ms[v], `${v} timed and agreeing`).toBeGreaterThan(0);
  });

  it('rejects training with one value per channel, as PyTorch', () => {
    tidy(() => {
      const x = Tensor.zeros([1, 3, 1, 1]);
      expect(() => batchNorm2d(x, Tensor.zeros([3]), Tensor.zeros([3]), Tensor.zeros([3]), Tensor.zeros([3]), { training: true })).toThrow(/more than one value/);
    });
  });
});

describe('batchNorm2d with a fused ReLU, and with a residual added before it, matches relu(batch_norm(x) [+ r]) in float64, forward and backward', () => {
  /** relu(f(x, w, b) [+ r]) and its VJP: the incoming gradient where the output is positive, to f's inputs (and to r). */
  const withRelu = (residual: boolean, f: (xs: Float64Array[]) => Float64Array, vjp: (xs: Float64Array[], g: Float64Array) => Float64Array[]) => {
    const out = (xs: Float64Array[]) => f(xs.slice(0, 3)).map((v, i) => Math.max(v + (residual ? xs[3][i] : 0), 0));
    return {
      ref: out,
      refVjp: (xs: Float64Array[], g: Float64Array) => {
        const y = out(xs);
        const masked = g.map((v, i) => (y[i] > 0 ? v : 0));
        const grads = vjp(xs.slice(0, 3), masked);
        return residual ? [...grads, masked] : grads;
      },
    };
  };
  for (const residual of [false, true]) {
    for (const shape of residual ? [[1, 3, 5, 7], [2, 16, 32, 32]] : [[1, 3, 5, 7], [2, 17, 33, 31], [2, 16, 32, 32]]) {
      const c = shape[1];
      const s = bnShape(shape);
      const what = residual ? '+residual+relu' : '+relu';
      it(`${residual ? 'with a residual: ' : ''}training and inference on [${shape}]`, async () => {
        const seed = freshSeed();
        const { mean, variance } = randomRunning(c, seed + 55);
        const shapes = residual ? [shape, [c], [c], shape] : [shape, [c], [c]];
        await checkOp({
          name: `batchNorm2d${what} train`,
          shapes,
          gpu: ([x, w, b, r]) => batchNorm2d(x, w, b, Tensor.zeros([c]), Tensor.full([c], 1), { training: true, relu: true, residual: r }),
          ...withRelu(residual, ref.trainForward(s), ref.trainVjp(s)),
          seed,
        });
        await checkOp({
          name: `batchNorm2d${what} eval`,
          shapes,
          gpu: ([x, w, b, r]) => batchNorm2d(x, w, b, Tensor.from(mean), Tensor.from(variance), { training: false, relu: true, residual: r }),
          ...withRelu(residual, ref.evalForward(s, mean, variance), ref.evalVjp(s, mean, variance)),
          seed,
        });
      });
    }
  }
});

describe('batchNorm2d as a residual block\'s end', () => {
  // A block's output feeds two consumers (the next block's conv and its shortcut): autograd hands
  // the two gradient parts to the op unsummed, and one kernel adds and masks them.
  it('takes a gradient that arrives in two parts, as relu(batch_norm(x) + r)·(1 + c)', async () => {
    const shape = [2, 16, 8, 8];
    const c = shape[1];
    const s = bnShape(shape);
    const [f, vjp] = [ref.trainForward(s), ref.trainVjp(s)];
    const y = (xs: Float64Array[]) => f(xs.slice(0, 3)).map((v, i) => Math.max(v + xs[3][i], 0));
    const before = new Map(engine().stats.dispatchesByKernel);
    await checkOp({
      name: 'batchNorm2d+residual+relu, output used twice',
      shapes: [shape, [c], [c], shape, shape],
      gpu: ([x, w, b, r, k]) => {
        const out = batchNorm2d(x, w, b, Tensor.zeros([c]), Tensor.full([c], 1), { training: true, relu: true, residual: r });
        return add(mul(out, k), out);
      },
      ref: (xs) => y(xs).map((v, i) => v * xs[4][i] + v),
      refVjp: (xs, g) => {
        const out = y(xs);
        const masked = g.map((v, i) => (out[i] > 0 ? v * xs[4][i] + v : 0));
        return [...vjp(xs.slice(0, 3), masked), masked, g.map((v, i) => v * out[i])];
      },
      seed: freshSeed(),
    });
    const ran = (entry: string) => [...engine().stats.dispatchesByKernel].filter(([k]) => k.startsWith(`elementwise.${entry}(`)).reduce((n, [k, v]) => n + v - (before.get(k) ?? 0), 0);
    expect(ran('relu_backward_sum_vec4')).toBe(1);
    expect(ran('relu_backward_vec4')).toBe(0);
  });
  it('refuses a residual without relu or of another shape, naming both shapes', () => {
    tidy(() => {
      const [x, r] = [Tensor.zeros([2, 3, 4, 4]), Tensor.zeros([2, 3, 4, 5])];
      const [w, b, m, v] = [Tensor.full([3], 1), Tensor.zeros([3]), Tensor.zeros([3]), Tensor.full([3], 1)];
      expect(() => batchNorm2d(x, w, b, m, v, { training: true, relu: true, residual: r })).toThrow(/residual \[2, 3, 4, 5\].*\[2, 3, 4, 4\]/);
      expect(() => batchNorm2d(x, w, b, m, v, { training: true, residual: x })).toThrow(/needs relu/);
    });
  });
});

describe('batchNorm2d with a fused ReLU: the backward kernels recompute the mask from x', () => {
  // The backward must take exactly the outputs the forward left positive, value for value, or a
  // gradient leaks through a clamped unit (or is lost from a live one).
  for (const shape of [[3, 5, 6, 7], [4, 16, 8, 8]]) {
    const [n, c, h, w] = shape;
    const hw = h * w;
    it(`training on [${shape}]: with ∂y = 1, ∂bias counts the positive outputs (sums of ones are exact)`, async () => {
      const [y, dbias] = tidy(() => {
        const x = Tensor.from(randomArray(n * c * hw, 21), shape);
        const [wt, bt] = [Tensor.from(randomArray(c, 22, 0.5, 1.5)), Tensor.from(randomArray(c, 23, -0.5, 0.5))];
        bt.requiresGrad = true;
        const out = batchNorm2d(x, wt, bt, Tensor.zeros([c]), Tensor.full([c], 1), { training: true, relu: true });
        return [out, backward(out, { grad: Tensor.full(shape, 1), inputs: [bt] }).get(bt)!];
      });
      const ys = await y.read();
      const positive = Array.from({ length: c }, (_, k) => {
        let count = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) count += ys[(i * c + k) * hw + j] > 0 ? 1 : 0;
        return count;
      });
      expect(Array.from(await dbias.read())).toEqual(positive);
      y.dispose();
      dbias.dispose();
    });
  }
  // Inputs a few ulps either side of where each channel's (x − mean)·σ⁻¹·w + b crosses 0: a mask
  // computed with other rounding than the forward's (x·s − mean·s + b, say) disagrees on some of
  // them in some of the 64 channels.
  for (const shape of [[4, 64, 8, 8], [4, 64, 5, 7]]) {
    it(`inference on [${shape}]: ∂x is non-zero exactly where the output is positive, at the threshold`, async () => {
      const [n, c, h, w] = shape;
      const hw = h * w;
      const [mean, variance, weight, bias] = [randomArray(c, 31, 0.2, 0.4), randomArray(c, 32, 0.5, 2), randomArray(c, 33, 0.5, 1.5), randomArray(c, 34, 0.1, 0.3)];
      const xs = new Float32Array(n * c * hw);
      for (let k = 0; k < c; k++) {
        const threshold = Math.fround(mean[k] - (bias[k] * Math.sqrt(variance[k] + 1e-5)) / weight[k]);
        const ulp = 2 ** (Math.floor(Math.log2(Math.abs(threshold))) - 23);
        for (let i = 0; i < n * hw; i++) xs[(Math.floor(i / hw) * c + k) * hw + (i % hw)] = threshold + (i - (n * hw) / 2) * ulp;
      }
      const [y, dx] = tidy(() => {
        const x = Tensor.from(xs, shape);
        x.requiresGrad = true;
        const [m, v, wt, b] = [mean, variance, weight, bias].map((a) => Tensor.from(f32(a)));
        const out = batchNorm2d(x, wt, b, m, v, { training: false, relu: true });
        return [out, backward(out, { grad: Tensor.full(shape, 1), inputs: [x] }).get(x)!];
      });
      const [ys, dxs] = [await y.read(), await dx.read()];
      const positive = Array.from(ys, (v) => v > 0);
      const share = positive.filter(Boolean).length / positive.length;
      expect(share, 'the grids straddle the thresholds').toBeGreaterThan(0.25);
      expect(share).toBeLessThan(0.75);
      expect(Array.from(dxs, (v) => v !== 0)).toEqual(positive);
      y.dispose();
      dx.dispose();
    });
  }
});
