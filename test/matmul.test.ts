import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { engine } from '../src/gpu/engine.js';
import { linear, matmul, MATMUL_VARIANTS } from '../src/ops/matmul.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/matmul.js';

useEngine();

// [M, K, N]: a single element, sizes off every block and tile, one that spans several tiles, and
// two with every size divisible by 4 (blocked runs as blocked_vec4 there, its gradients too).
const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [33, 17, 65], [128, 64, 10], [1, 70, 3], [67, 130, 1], [4, 8, 4], [36, 68, 44]];
// blocked only: blocked_vec4 runs some of the transpose combinations with M or K off a multiple of 4.
const vec4Edges: [number, number, number][] = [[9, 12, 8], [12, 9, 8]];

describe('matmul matches the float64 reference, forward and both gradients', () => {
  for (const variant of MATMUL_VARIANTS)
    for (const [m, k, n] of variant === 'blocked' ? [...shapes, ...vec4Edges] : shapes)
      it(`${variant} [${m}, ${k}] · [${k}, ${n}], all four transpose combinations`, async () => {
        const seed = freshSeed();
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const shapeA = transA ? [k, m] : [m, k];
            const shapeB = transB ? [n, k] : [k, n];
            await checkOp({
              name: `matmul ${variant} transA=${transA} transB=${transB}`,
              shapes: [shapeA, shapeB],
              gpu: ([a, b]) => matmul(a, b, { transA, transB, variant }),
              ref: ref.matmul(m, k, n, transA, transB),
              refVjp: ref.matmulVjp(m, k, n, transA, transB),
              seed,
              // The reference's finite-difference check is the same for both variants: run it once.
              skipNumeric: variant !== MATMUL_VARIANTS[0],
            });
          }
      });

  it("blocked_vec4 gives blocked's result to the bit where its rows are whole vec4s, M or K off a multiple of 4 included", async () => {
    // C = op(A)·B with B's columns padded to 9: the scalar kernel; its first 8 columns against the vec4 kernel's C.
    const vec4Runs = () => [...engine().stats.dispatchesByKernel].filter(([label]) => label.startsWith('matmul.blocked_vec4')).reduce((sum, [, count]) => sum + count, 0);
    for (const [m, k, transA] of [[8, 12, false], [9, 12, false], [8, 9, true]] as const) {
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i) * 3);
      const b = Float32Array.from({ length: k * 8 }, (_, i) => Math.cos(i * 0.7));
      const padded = new Float32Array(k * 9);
      for (let r = 0; r < k; r++) padded.set(b.subarray(r * 8, r * 8 + 8), r * 9);
      const shapeA = transA ? [k, m] : [m, k];
      const before = vec4Runs();
      const [vec4, scalar] = tidy(() => [
        matmul(Tensor.from(a, shapeA), Tensor.from(b, [k, 8]), { transA, variant: 'blocked' }),
        matmul(Tensor.from(a, shapeA), Tensor.from(padded, [k, 9]), { transA, variant: 'blocked' }),
      ]);
      expect(vec4Runs() - before, `M ${m}, K ${k}, transA ${transA}`).toBe(1);
      const [got, want] = [(await vec4.read()) as Float32Array, (await scalar.read()) as Float32Array];
      for (let r = 0; r < m; r++) expect(Array.from(got.subarray(r * 8, r * 8 + 8)), `M ${m}, K ${k}, row ${r}`).toEqual(Array.from(want.subarray(r * 9, r * 9 + 8)));
      vec4.dispose();
      scalar.dispose();
    }
  });

  it('rejects mismatched inner sizes', () => {
    tidy(() => {
      expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))).toThrow(/inner sizes differ/);
    });
  });
});

describe('linear is x·wᵀ + b with gradients for x, w and b', () => {
  for (const variant of MATMUL_VARIANTS)
    for (const [n, din, dout] of [[1, 2, 3], [5, 7, 3], [128, 33, 10]])
      it(`${variant} x [${n}, ${din}], w [${dout}, ${din}]`, async () => {
        const seed = freshSeed();
        for (const bias of [true, false]) {
          const shapes = [[n, din], [dout, din], ...(bias ? [[dout]] : [])];
          await checkOp({
            name: `linear ${variant} bias=${bias}`,
            shapes,
            gpu: ([x, w, b]) => linear(x, w, b, variant),
            ref: ref.linear(n, din, dout, bias),
            refVjp: ref.linearVjp(n, din, dout, bias),
            seed,
          });
        }
      });

  it('∂L/∂x alone runs no weight- or bias-gradient kernel', () => {
    const counts = engine().stats.dispatchesByKernel;
    const count = (prefix: string) => [...counts].reduce((s, [label, n]) => s + (label.startsWith(prefix) ? n : 0), 0);
    tidy(() => {
      const x = Tensor.zeros([4, 3]);
      const w = Tensor.zeros([2, 3]);
      const b = Tensor.zeros([2]);
      x.requiresGrad = w.requiresGrad = b.requiresGrad = true;
      const y = linear(x, w, b);
      const g = Tensor.zeros([4, 2]);
      const [matmuls, reductions] = [count('matmul.'), count('reduce.')];
      const dx = backward(y, { grad: g, inputs: [x] }).get(x);
      expect(dx?.shape).toEqual([4, 3]);
      expect(count('matmul.') - matmuls).toBe(1);
      expect(count('reduce.') - reductions).toBe(0);
    });
  });
});
