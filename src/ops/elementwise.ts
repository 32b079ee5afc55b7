// Same-shape elementwise ops: add, mul, scale, relu, each with its gradient.
import { record } from '../autograd.js';
import { engine, perValueKernel } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

const WG = 256;

/** One of shaders/elementwise.wgsl's kernels over `size` values (its vec4 twin where the length allows). */
const kernelFor = (entry: string, size: number) => perValueKernel('elementwise', entry, size, WG);

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.size !== b.size || a.shape.join() !== b.shape.join()) {
    throw new Error(`${op}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}

function binary(entry: 'add' | 'mul' | 'relu_backward', a: Tensor, b: Tensor): Tensor {
  sameShape(entry, a, b);
  const out = Tensor.empty(a.shape);
  const k = kernelFor(entry, a.size);
  engine().run(k.spec, [a, b, out], k.groups);
  return out;
}

function unary(entry: 'scale' | 'relu', x: Tensor, s = 0): Tensor {
  const out = Tensor.empty(x.shape);
  // Only `scale` reads the uniform; with layout 'auto' an unused binding must not be bound.
  const uniform = entry === 'scale' ? new Float32Array([s, 0, 0, 0]) : undefined;
  const k = kernelFor(entry, x.size);
  engine().run(k.spec, [x, out], k.groups, uniform);
  return out;
}

export function add(a: Tensor, b: Tensor): Tensor {
  return record(binary('add', a, b), 'add', [a, b], (g) => [g, g]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return record(binary('mul', a, b), 'mul', [a, b], (g, needs) => [
    needs[0] ? binary('mul', g, b) : null,
    needs[1] ? binary('mul', g, a) : null,
  ]);
}

export function scale(x: Tensor, s: number): Tensor {
  return record(unary('scale', x, s), 'scale', [x], (g) => [unary('scale', g, s)]);
}

export function relu(x: Tensor): Tensor {
  return record(unary('relu', x), 'relu', [x], (g) => [reluBackward(x, g)]);
}

/** The gradient g through a ReLU, where its input or output y is positive. */
function reluBackward(y: Tensor, g: Tensor): Tensor {
  return binary('relu_backward', y, g);
}

/**
 * The sum of gradient parts through a ReLU whose output is y (no tape: for backward functions),
 * the parts added in arrival order as autograd would, the last add and the mask in one pass.
 */
export function reluBackwardOfSum(y: Tensor, parts: readonly Tensor[]): Tensor {
  if (parts.length === 1) return reluBackward(y, parts[0]);
  const first = sumInOrder(parts.slice(0, -1));
  const last = parts[parts.length - 1];
  sameShape('reluBackwardOfSum', y, first);
  sameShape('reluBackwardOfSum', y, last);
  const out = Tensor.empty(y.shape);
  const k = kernelFor('relu_backward_sum', y.size);
  engine().run(k.spec, [y, first, last, out], k.groups);
  return out;
}

/** ((p0 + p1) + p2) + …: gradient parts summed in the order they arrived. */
export function sumInOrder(parts: readonly Tensor[]): Tensor {
  return parts.slice(1).reduce((sum, p) => binary('add', sum, p), parts[0]);
}

/** target += x in place, outside autograd (epoch loss sums and other GPU-side accumulators). */
export function addInPlace(target: Tensor, x: Tensor): void {
  sameShape('addInPlace', target, x);
  const k = kernelFor('accumulate', x.size);
  engine().run(k.spec, [x, target], k.groups);
}
