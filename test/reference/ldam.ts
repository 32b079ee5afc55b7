// Float64 reference of the LDAM logits and their vector-Jacobian product (w.r.t. the logits).
export const ldamLogits =
  (labels: ArrayLike<number>, margins: ArrayLike<number>, s: number) =>
  ([x]: Float64Array[]): Float64Array => {
    const c = margins.length;
    return x.map((v, i) => s * (v - (i % c === labels[Math.floor(i / c)] ? margins[i % c] : 0)));
  };

export const ldamLogitsVjp = (s: number) => (_: Float64Array[], g: Float64Array) => [g.map((v) => v * s)];

