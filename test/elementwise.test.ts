import { describe, expect, it } from 'vitest';
import { add, addInPlace, mul, relu, reluBackwardOfSum, scale } from '../src/ops/elementwise.js';
import { engine } from '../src/gpu/engine.js';
import { Tensor } from '../src/tensor.js';
import { f32, freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/elementwise.js';

useEngine();
// Lengths not divisible by 4 run the scalar kernels, the others the vec4 ones (checked below).
const shapes = [[1], [7], [3, 5], [2, 3, 17, 5], [70001], [4], [2, 3, 16, 4], [70004]];

describe('elementwise ops match the float64 reference, forward and backward', () => {
  for (const shape of shapes) {
    it(`add/mul/scale/relu on [${shape}]`, async () => {
      const seed = freshSeed();
      await checkOp({ name: 'add', shapes: [shape, shape], gpu: ([a, b]) => add(a, b), ref: ref.add, refVjp: ref.addVjp, seed });
      await checkOp({ name: 'mul', shapes: [shape, shape], gpu: ([a, b]) => mul(a, b), ref: ref.mul, refVjp: ref.mulVjp, seed });
      await checkOp({ name: 'scale', shapes: [shape], gpu: ([x]) => scale(x, -2.5), ref: ref.scale(-2.5), refVjp: ref.scaleVjp(-2.5), seed });
      await checkOp({ name: 'relu', shapes: [shape], gpu: ([x]) => relu(x), ref: ref.relu, refVjp: ref.reluVjp, seed });
    });
  }
});

describe('kernel choice', () => {
  const ran = (fn: () => void): string[] => {
    const before = new Map(engine().stats.dispatchesByKernel);
    fn();
    // Labels are `shader.entry(constants)`; other shaders (the tests' poison fill) are not asked about.
    const changed = [...engine().stats.dispatchesByKernel].filter(([k, v]) => (before.get(k) ?? 0) !== v).map(([k]) => k);
    return changed.filter((k) => k.startsWith('elementwise.')).map((k) => k.replace(/\(.*\)$/, ''));
  };
  it('runs the vec4 kernels on lengths divisible by 4 and the scalar ones otherwise', () => {
    const [a4, b4] = [Tensor.from(f32(randomArray(12, 1)), [3, 4]), Tensor.from(f32(randomArray(12, 2)), [3, 4])];
    const [a3, b3] = [Tensor.from(f32(randomArray(9, 3)), [3, 3]), Tensor.from(f32(randomArray(9, 4)), [3, 3])];
    expect(ran(() => void add(a4, b4))).toEqual(['elementwise.add_vec4']);
    expect(ran(() => void relu(a4))).toEqual(['elementwise.relu_vec4']);
    expect(ran(() => addInPlace(a4, b4))).toEqual(['elementwise.accumulate_vec4']);
    expect(ran(() => void add(a3, b3))).toEqual(['elementwise.add']);
    expect(ran(() => void scale(a3, 2))).toEqual(['elementwise.scale']);
  });
});

describe('reluBackwardOfSum', () => {
  // Scalar and vec4 lengths; 2 parts in the fused pass, 3 with the first two added before it.
  for (const [size, parts] of [[7, 2], [70004, 2], [70001, 3], [12, 1]]) {
    it(`masks the sum of ${parts} gradient part(s) by the sign of y, ${size} values`, async () => {
      const seed = freshSeed();
      const y = f32(randomArray(size, seed));
      const gs = Array.from({ length: parts }, (_, k) => f32(randomArray(size, seed + 1 + k)));
      const out = reluBackwardOfSum(Tensor.from(y), gs.map((g) => Tensor.from(g)));
      const want = Float64Array.from(y, (v, i) => (v > 0 ? gs.reduce((sum, g) => Math.fround(sum + g[i]), 0) : 0));
      expect(relError(await out.read(), want), `seed ${seed}`).toBe(0);
    });
  }
});

describe('addInPlace', () => {
  it('accumulates into the target without autograd', async () => {
    const seed = freshSeed();
    const [t, x] = [f32(randomArray(1001, seed)), f32(randomArray(1001, seed + 1))];
    const target = Tensor.from(t);
    addInPlace(target, Tensor.from(x));
    addInPlace(target, Tensor.from(x));
    const want = ref.accumulate([ref.accumulate([t, x]), x]);
    expect(relError(await target.read(), want), `seed ${seed}`).toBeLessThan(1e-6);
  });
});
