// Float64 pooling references over [N, C, H, W] and their vector-Jacobian products.
export type Nchw = [number, number, number, number];

/** Offsets of output (plane, oh, ow)'s 2×2 window in row-major order, first maximum first on ties. */
function windowArgmax(x: Float64Array, [, , h, w]: Nchw, plane: number, oh: number, ow: number): number {
  const base = plane * h * w + 2 * oh * w + 2 * ow;
  let best = base;
  for (const k of [base + 1, base + w, base + w + 1]) if (x[k] > x[best]) best = k;
  return best;
}

export const maxPool = (s: Nchw) => ([x]: Float64Array[]) => {
  const [n, c, h, w] = s;
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const y = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) y[(p * oh + i) * ow + j] = x[windowArgmax(x, s, p, i, j)];
  return y;
};

export const maxPoolVjp = (s: Nchw) => ([x]: Float64Array[], g: Float64Array) => {
  const [n, c, h, w] = s;
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const dx = new Float64Array(x.length);
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) dx[windowArgmax(x, s, p, i, j)] += g[(p * oh + i) * ow + j];
  return [dx];
};

export const globalAvgPool = ([n, c, h, w]: Nchw) => ([x]: Float64Array[]) => {
  const y = new Float64Array(n * c);
  for (let p = 0; p < n * c; p++) {
    let s = 0;
    for (let k = 0; k < h * w; k++) s += x[p * h * w + k];
    y[p] = s / (h * w);
  }
  return y;
};

export const globalAvgPoolVjp = ([, , h, w]: Nchw) => ([x]: Float64Array[], g: Float64Array) => [
  x.map((_, i) => g[Math.floor(i / (h * w))] / (h * w)),
];
