import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { CONV_VARIANTS, conv2d, type ConvVariant } from '../src/ops/conv.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, randomArray, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import { conv2d as refConv, conv2dVjp, type ConvDims } from './reference/conv2d.js';

const engine = useEngine();
process.env.AEGL_TUNE = '0'; // variants are named explicitly here; the tuner has its own test

interface Case extends ConvDims {
  bias: boolean;
}

const c = (n: number, cin: number, h: number, w: number, k: number, r: number, s: number, stride: number, pad: number, bias: boolean): Case =>
  ({ n, c: cin, h, w, k, r, s, stride, pad, bias });

// Awkward shapes: batch 1, odd and non-square sizes, channels not divisible by 4, both strides,
// padding 0/1/2, 1×1, 3×3 and a non-square kernel, bias on and off.
const awkward: Case[] = [
  c(1, 3, 7, 5, 5, 3, 3, 1, 1, true),
  c(2, 5, 9, 11, 6, 3, 3, 2, 1, false),
  c(1, 6, 7, 5, 7, 1, 1, 1, 0, false),
  c(3, 4, 6, 7, 9, 1, 1, 2, 0, true),
  c(2, 3, 5, 5, 2, 3, 3, 2, 0, true),
  c(1, 2, 8, 6, 3, 3, 3, 1, 0, false),
  c(2, 3, 4, 5, 5, 2, 3, 1, 2, true),
  c(1, 1, 1, 1, 1, 1, 1, 1, 0, true),
  c(1, 2, 3, 3, 4, 3, 3, 2, 1, false),
];

// The real layer shapes at batch 2: ResNet-32 (stem, three stages and the stride-2 transitions)
// and the Fashion-MNIST CNN.
const layers: [string, Case][] = [
  ['resnet32 stem 3→16 32×32', c(2, 3, 32, 32, 16, 3, 3, 1, 1, false)],
  ['resnet32 16→16 32×32', c(2, 16, 32, 32, 16, 3, 3, 1, 1, false)],
  ['resnet32 16→32 stride 2', c(2, 16, 32, 32, 32, 3, 3, 2, 1, false)],
  ['resnet32 32→32 16×16', c(2, 32, 16, 16, 32, 3, 3, 1, 1, false)],
  ['resnet32 32→64 stride 2', c(2, 32, 16, 16, 64, 3, 3, 2, 1, false)],
  ['resnet32 64→64 8×8', c(2, 64, 8, 8, 64, 3, 3, 1, 1, false)],
  ['fmnist 1→32 28×28', c(2, 1, 28, 28, 32, 3, 3, 1, 1, true)],
  ['fmnist 32→64 14×14', c(2, 32, 14, 14, 64, 3, 3, 1, 1, true)],
];

// The reference's VJP is validated by finite differences on the awkward shapes; at layer sizes
// that check costs minutes of CPU and tests the same loops again, so it is skipped there.
function check(d: Case, variant: ConvVariant, skipNumeric = false): Promise<void> {
  const shapes = [
    [d.n, d.c, d.h, d.w],
    [d.k, d.c, d.r, d.s],
  ];
  if (d.bias) shapes.push([d.k]);
  return checkOp({
    name: `conv2d ${variant} stride ${d.stride} pad ${d.pad}${d.bias ? ' bias' : ''}`,
    shapes,
    gpu: ([x, w, b]) => conv2d(x, w, b ?? null, { stride: d.stride, padding: d.pad, variant }),
    ref: refConv(d),
    refVjp: conv2dVjp(d),
    seed: freshSeed(),
    skipNumeric,
  });
}

describe('conv2d matches the float64 reference: forward, ∂x, ∂w, ∂b', () => {
  for (const variant of CONV_VARIANTS) {
    for (const d of awkward) it(`${variant}: awkward ${JSON.stringify(d)}`, () => check(d, variant));
    for (const [name, d] of layers) it(`${variant}: ${name}`, () => check(d, variant, true));
  }
});

describe('conv2d runs only the gradient kernels that are asked for', () => {
  const count = (prefix: string) =>
    [...engine.get().stats.dispatchesByKernel].filter(([label]) => label.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);

  async function gradientsOf(which: 'x' | 'params', variant: ConvVariant): Promise<Record<string, number>> {
    const before = Object.fromEntries(['dgrad', 'wgrad', 'sum_splits', 'bias_grad'].map((k) => [k, count(`conv2d.${k}`)]));
    const grads = tidy(() => {
      const x = Tensor.from(randomArray(2 * 3 * 9 * 9, 1), [2, 3, 9, 9]);
      const w = Tensor.from(randomArray(4 * 3 * 9, 2), [4, 3, 3, 3]);
      const b = Tensor.from(randomArray(4, 3), [4]);
      for (const t of [x, w, b]) t.requiresGrad = true;
      const y = conv2d(x, w, b, { padding: 1, variant });
      const map = backward(y, { grad: Tensor.full(y.shape, 1), inputs: which === 'x' ? [x] : [w, b] });
      return [...map.values()];
    });
    await engine.get().sync();
    grads.forEach((t) => t.dispose());
    return Object.fromEntries(Object.entries(before).map(([k, v]) => [k, count(`conv2d.${k}`) - v]));
  }

  for (const variant of CONV_VARIANTS) {
    it(`${variant}: ∂L/∂x alone runs no weight- or bias-gradient kernel`, async () => {
      expect(await gradientsOf('x', variant)).toEqual({ dgrad: 1, wgrad: 0, sum_splits: 0, bias_grad: 0 });
    });
    it(`${variant}: ∂L/∂w and ∂L/∂b alone run no input-gradient kernel`, async () => {
      expect(await gradientsOf('params', variant)).toEqual({ dgrad: 0, wgrad: 1, sum_splits: 1, bias_grad: 1 });
    });
  }
});
