// Float64 reference for conv2d (NCHW, PyTorch weight layout [Cout, Cin, KH, KW]) and its
// vector-Jacobian product: ∂x, ∂w and ∂b, written as the plain loops of the definition.
export interface ConvDims {
  n: number;
  c: number;
  h: number;
  w: number;
  k: number;
  r: number;
  s: number;
  stride: number;
  pad: number;
}

/** PyTorch's output size: floor((in + 2·pad − kernel) / stride) + 1. */
export function outSize(d: ConvDims): [number, number] {
  return [Math.floor((d.h + 2 * d.pad - d.r) / d.stride) + 1, Math.floor((d.w + 2 * d.pad - d.s) / d.stride) + 1];
}

/** Calls fn(outIndex, inIndex, weightIndex, co) for every multiply of the convolution. */
function eachTap(d: ConvDims, fn: (o: number, i: number, wi: number, co: number) => void): void {
  const [ho, wo] = outSize(d);
  for (let n = 0; n < d.n; n++)
    for (let co = 0; co < d.k; co++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          const o = ((n * d.k + co) * ho + oy) * wo + ox;
          for (let ci = 0; ci < d.c; ci++)
            for (let ky = 0; ky < d.r; ky++) {
              const iy = oy * d.stride - d.pad + ky;
              if (iy < 0 || iy >= d.h) continue;
              for (let kx = 0; kx < d.s; kx++) {
                const ix = ox * d.stride - d.pad + kx;
                if (ix < 0 || ix >= d.w) continue;
                fn(o, ((n * d.c + ci) * d.h + iy) * d.w + ix, ((co * d.c + ci) * d.r + ky) * d.s + kx, co);
              }
            }
        }
}

/** Inputs [x, w] or [x, w, b]. */
export const conv2d = (d: ConvDims) => ([x, w, b]: Float64Array[]): Float64Array => {
  const [ho, wo] = outSize(d);
  const y = new Float64Array(d.n * d.k * ho * wo);
  if (b) for (let o = 0; o < y.length; o++) y[o] = b[Math.floor(o / (ho * wo)) % d.k];
  eachTap(d, (o, i, wi) => (y[o] += x[i] * w[wi]));
  return y;
};

export const conv2dVjp = (d: ConvDims) => ([x, w, b]: Float64Array[], g: Float64Array): Float64Array[] => {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  eachTap(d, (o, i, wi) => {
    dx[i] += g[o] * w[wi];
    dw[wi] += g[o] * x[i];
  });
  if (!b) return [dx, dw];
  const [ho, wo] = outSize(d);
  const db = new Float64Array(d.k);
  for (let o = 0; o < g.length; o++) db[Math.floor(o / (ho * wo)) % d.k] += g[o];
  return [dx, dw, db];
};
