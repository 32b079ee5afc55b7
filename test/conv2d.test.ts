import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { CONV_PASSES, conv2d, convGeometry, convVariants } from '../src/ops/conv.js';
import { Tensor, tidy } from '../src/tensor.js';
import { awkward, check, label, layers, type Variants } from './helpers/conv-cases.js';
import { randomArray, useEngine } from './helpers/gpu.js';
import type { ConvDims } from './reference/conv2d.js';

const engine = useEngine();
process.env.AEGL_TUNE = '0'; // variants are named explicitly here; the tuner has its own test

// Every variant of every pass that runs the shape, zipped: combination i runs the i-th variant of
// each pass (a pass with fewer repeats its last), so each kernel is checked forward and backward.
function combos(d: ConvDims): Variants[] {
  const g = convGeometry([d.n, d.c, d.h, d.w], [d.k, d.c, d.r, d.s], d.stride, d.pad);
  const lists = CONV_PASSES.map((p) => convVariants(p, g));
  return Array.from({ length: Math.max(...lists.map((l) => l.length)) }, (_, i) =>
    Object.fromEntries(CONV_PASSES.map((p, k) => [p, lists[k][Math.min(i, lists[k].length - 1)]])) as Variants,
  );
}

describe('conv2d matches the float64 reference: forward, ∂x, ∂w, ∂b', () => {
  for (const d of awkward) for (const v of combos(d)) it(`${label(v)}: awkward ${JSON.stringify(d)}`, () => check(d, v));
  for (const [name, d] of layers) for (const v of combos(d)) it(`${label(v)}: ${name}`, () => check(d, v, true));
});

describe('conv2d runs only the gradient kernels that are asked for', () => {
  // Kernels of a pass, in shaders/conv2d.wgsl or conv2d_packed.wgsl: conv2d.dgrad_blocked(…), conv2d_packed.dgrad_packed(…).
  const count = (entry: string) =>
    [...engine.get().stats.dispatchesByKernel].filter(([label]) => /^conv2d(_packed)?\./.test(label) && label.split('.')[1].startsWith(entry)).reduce((s, [, v]) => s + v, 0);

  async function gradientsOf(which: 'x' | 'params', variants: Variants): Promise<Record<string, number>> {
    const before = Object.fromEntries(['dgrad', 'wgrad', 'sum_splits', 'bias_grad'].map((k) => [k, count(k)]));
    const grads = tidy(() => {
      const x = Tensor.from(randomArray(2 * 3 * 9 * 9, 1), [2, 3, 9, 9]);
      const w = Tensor.from(randomArray(4 * 3 * 9, 2), [4, 3, 3, 3]);
      const b = Tensor.from(randomArray(4, 3), [4]);
      for (const t of [x, w, b]) t.requiresGrad = true;
      const y = conv2d(x, w, b, { padding: 1, variants });
      const map = backward(y, { grad: Tensor.full(y.shape, 1), inputs: which === 'x' ? [x] : [w, b] });
      return [...map.values()];
    });
    await engine.get().sync();
    grads.forEach((t) => t.dispose());
    return Object.fromEntries(Object.entries(before).map(([k, v]) => [k, count(k) - v]));
  }

  for (const v of combos({ n: 2, c: 3, h: 9, w: 9, k: 4, r: 3, s: 3, stride: 1, pad: 1 })) {
    it(`${label(v)}: ∂L/∂x alone runs no weight- or bias-gradient kernel`, async () => {
      expect(await gradientsOf('x', v)).toEqual({ dgrad: 1, wgrad: 0, sum_splits: 0, bias_grad: 0 });
    });
    it(`${label(v)}: ∂L/∂w and ∂L/∂b alone run no input-gradient kernel`, async () => {
      expect(await gradientsOf('params', v)).toEqual({ dgrad: 0, wgrad: 1, sum_splits: 1, bias_grad: 1 });
    });
  }
});

describe('kernels read through a uniform binding run only shapes whose kernel block fits 64 KiB', () => {
  // One block holds 4·CV produced channels × summed channels × 3 × 3 taps as vec4s, rounded up to
  // 16 vec4s: CV = 2 fits up to 227 summed channels (4086 → 4096 vec4s), CV = 1 up to 455.
  const geometry = (cin: number, k: number, stride: number) => convGeometry([1, cin, 8, 8], [k, cin, 3, 3], stride, 1);
  it('the forward sums over the input channels', () => {
    expect(convVariants('fwd', geometry(227, 8, 1))).toEqual(expect.arrayContaining(['packed', 'packed16']));
    expect(convVariants('fwd', geometry(228, 8, 1))).not.toContain('packed');
    expect(convVariants('fwd', geometry(228, 8, 1))).not.toContain('packed16');
  });
  it('the input gradient sums over the output channels', () => {
    expect(convVariants('dgrad', geometry(8, 227, 1))).toEqual(expect.arrayContaining(['packed', 'adjacent-wide', 'adjacent']));
    expect(convVariants('dgrad', geometry(8, 228, 1))).not.toContain('packed');
    expect(convVariants('dgrad', geometry(8, 228, 2))).not.toContain('adjacent-wide');
    expect(convVariants('dgrad', geometry(8, 228, 2))).not.toContain('adjacent-wide16');
    expect(convVariants('dgrad', geometry(8, 455, 2))).toEqual(expect.arrayContaining(['adjacent', 'adjacent16']));
    expect(convVariants('dgrad', geometry(8, 456, 2))).toEqual(['blocked', 'wide', 'tiled']);
  });
});
