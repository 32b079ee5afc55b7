import { describe, expect, it } from 'vitest';
import { add, addInPlace, addRelu, mul, relu, scale } from '../src/ops/elementwise.js';
import { Tensor } from '../src/tensor.js';
import { f32, freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import { checkOp } from './helpers/opcheck.js';
import * as ref from './reference/elementwise.js';

useEngine();
const shapes = [[1], [7], [3, 5], [2, 3, 17, 5], [70001]];

describe('elementwise ops match the float64 reference, forward and backward', () => {
  for (const shape of shapes) {
    it(`add/mul/scale/relu on [${shape}]`, async () => {
      const seed = freshSeed();
      await checkOp({ name: 'add', shapes: [shape, shape], gpu: ([a, b]) => add(a, b), ref: ref.add, refVjp: ref.addVjp, seed });
      await checkOp({ name: 'mul', shapes: [shape, shape], gpu: ([a, b]) => mul(a, b), ref: ref.mul, refVjp: ref.mulVjp, seed });
      await checkOp({ name: 'scale', shapes: [shape], gpu: ([x]) => scale(x, -2.5), ref: ref.scale(-2.5), refVjp: ref.scaleVjp(-2.5), seed });
      await checkOp({ name: 'relu', shapes: [shape], gpu: ([x]) => relu(x), ref: ref.relu, refVjp: ref.reluVjp, seed });
      await checkOp({
        name: 'addRelu',
        shapes: [shape, shape],
        gpu: ([a, b]) => addRelu(a, b),
        ref: (xs) => ref.relu([ref.add(xs)]),
        refVjp: (xs, g) => ref.addVjp(xs, ref.reluVjp([ref.add(xs)], g)[0]),
        seed,
      });
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
