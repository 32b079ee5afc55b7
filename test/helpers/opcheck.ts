// Checks one GPU op against its float64 reference: the reference's VJP against finite
// differences first, then the GPU forward and input gradients against the reference.
import { expect } from 'vitest';
import { backward } from '../../src/autograd.js';
import { Tensor, tidy } from '../../src/tensor.js';
import { numericVjp, type RefForward } from '../reference/gradcheck.js';
import { f32, randomArray, relError } from './gpu.js';

export interface OpCase {
  name: string;
  shapes: number[][];
  gpu: (inputs: Tensor[]) => Tensor;
  ref: RefForward;
  refVjp?: (inputs: Float64Array[], g: Float64Array) => Float64Array[];
  /** Inputs that get gradients (default: all). */
  differentiable?: number[];
  seed: number;
  range?: [number, number];
  tol?: number;
  /** Skip the finite-difference check of the reference (e.g. at kinks that random data may hit). */
  skipNumeric?: boolean;
}

export async function checkOp(c: OpCase): Promise<void> {
  const tol = c.tol ?? 1e-4;
  const [lo, hi] = c.range ?? [-1, 1];
  const xs = c.shapes.map((s, k) => f32(randomArray(s.reduce((a, b) => a * b, 1), c.seed + 101 * k, lo, hi)));
  const want = c.ref(xs);
  const g = f32(randomArray(want.length, c.seed + 7));
  const which = c.differentiable ?? c.shapes.map((_, k) => k);
  const label = `${c.name} shapes=${JSON.stringify(c.shapes)} seed=${c.seed}`;

  let wantGrads: Float64Array[] = [];
  if (c.refVjp) {
    const all = c.refVjp(xs, g);
    wantGrads = which.map((k) => all[k]);
    if (!c.skipNumeric && xs.every((x) => x.length <= 4096)) {
      const numeric = numericVjp(c.ref, xs.map((x) => x.slice()), g, which);
      numeric.forEach((n, i) => expect(relError(wantGrads[i], n), `reference VJP vs finite differences: ${label}`).toBeLessThan(1e-5));
    }
  }

  const { out, grads } = tidy(() => {
    const inputs = xs.map((x, k) => {
      const t = Tensor.from(x, c.shapes[k]);
      t.requiresGrad = which.includes(k);
      return t;
    });
    const out = c.gpu(inputs);
    if (!c.refVjp) return { out, grads: [] as Tensor[] };
    const map = backward(out, { grad: Tensor.from(g, out.shape), inputs: which.map((k) => inputs[k]) });
    return { out, grads: which.map((k) => map.get(inputs[k])!) };
  });
  expect(relError(await out.read(), want), `forward: ${label}`).toBeLessThan(tol);
  for (let i = 0; i < grads.length; i++) {
    expect(grads[i], `gradient of input ${which[i]} missing: ${label}`).toBeDefined();
    expect(relError(await grads[i].read(), wantGrads[i]), `gradient of input ${which[i]}: ${label}`).toBeLessThan(tol);
  }
  out.dispose();
  grads.forEach((t) => t.dispose());
}
