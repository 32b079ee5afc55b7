// Central finite differences: validates each float64 reference's vector-Jacobian product.
export type RefForward = (inputs: Float64Array[]) => Float64Array;

/** ∂⟨f(x), g⟩/∂x_k by central differences, for every input k that is differentiable. */
export function numericVjp(f: RefForward, inputs: Float64Array[], g: Float64Array, which: number[], h = 1e-6): Float64Array[] {
  const dot = (y: Float64Array) => y.reduce((s, v, i) => s + v * g[i], 0);
  return which.map((k) => {
    const x = inputs[k];
    const grad = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i];
      x[i] = keep + h;
      const up = dot(f(inputs));
      x[i] = keep - h;
      const down = dot(f(inputs));
      x[i] = keep;
      grad[i] = (up - down) / (2 * h);
    }
    return grad;
  });
}
