// A float64 CPU autograd over the reference ops (forward + VJP pairs), so whole models can be
// checked step for step against the GPU: every value is computed by the plain-loop references.
export type Forward = (inputs: Float64Array[]) => Float64Array;
export type Vjp = (inputs: Float64Array[], g: Float64Array) => Float64Array[];

export class RefValue {
  grad: Float64Array | null = null;
  constructor(
    readonly value: Float64Array,
    readonly shape: number[],
    readonly parents: RefValue[] = [],
    readonly vjp: Vjp | null = null,
  ) {}
}

export function leaf(value: ArrayLike<number>, shape: number[]): RefValue {
  return new RefValue(Float64Array.from(value), shape);
}

export function apply(forward: Forward, vjp: Vjp, inputs: RefValue[], shape: number[]): RefValue {
  return new RefValue(forward(inputs.map((v) => v.value)), shape, inputs, vjp);
}

/** Reverse-mode sweep from a scalar: fills .grad of every value that leads to it. */
export function backwardRef(root: RefValue): void {
  const order: RefValue[] = [];
  const seen = new Set<RefValue>();
  const visit = (v: RefValue) => {
    if (seen.has(v)) return;
    seen.add(v);
    v.parents.forEach(visit);
    order.push(v);
  };
  visit(root);
  root.grad = new Float64Array(root.value.length).fill(1);
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i];
    if (!v.grad || !v.vjp) continue;
    const grads = v.vjp(v.parents.map((p) => p.value), v.grad);
    v.parents.forEach((p, k) => {
      if (!grads[k]) return;
      if (!p.grad) p.grad = new Float64Array(p.value.length);
      for (let j = 0; j < grads[k].length; j++) p.grad[j] += grads[k][j];
    });
  }
}
