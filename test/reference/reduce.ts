// Float64 references for sum, mean and sumRows, with their vector-Jacobian products.
export const sum = ([x]: Float64Array[]) => Float64Array.of(x.reduce((s, v) => s + v, 0));
export const sumVjp = ([x]: Float64Array[], g: Float64Array) => [new Float64Array(x.length).fill(g[0])];

export const mean = ([x]: Float64Array[]) => Float64Array.of(x.reduce((s, v) => s + v, 0) / x.length);
export const meanVjp = ([x]: Float64Array[], g: Float64Array) => [new Float64Array(x.length).fill(g[0] / x.length)];

/** Σ over rows of x [n, c]. */
export const sumRows = (c: number) => ([x]: Float64Array[]) => {
  const out = new Float64Array(c);
  for (let i = 0; i < x.length; i++) out[i % c] += x[i];
  return out;
};
export const sumRowsVjp = (c: number) => ([x]: Float64Array[], g: Float64Array) => [x.map((_, i) => g[i % c])];
