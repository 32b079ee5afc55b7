// Float64 reference for the masked, class-weighted mean cross-entropy and its VJP (logits only).
export interface CeConstants {
  c: number;
  labels: ArrayLike<number>;
  weights?: ArrayLike<number>;
  mask?: ArrayLike<number>;
}

function rows(x: Float64Array, k: CeConstants) {
  const n = k.labels.length;
  const out = [];
  let den = 0;
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * k.c, (i + 1) * k.c);
    const mx = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - mx), 0);
    const y = k.labels[i];
    const w = (k.weights ? k.weights[y] : 1) * (k.mask ? k.mask[i] : 1);
    out.push({ row, mx, z, y, w, nll: mx + Math.log(z) - row[y] });
    den += w;
  }
  return { out, den };
}

export const crossEntropy = (k: CeConstants) => ([x]: Float64Array[]) => {
  const { out, den } = rows(x, k);
  const num = out.reduce((s, r) => s + r.w * r.nll, 0);
  return Float64Array.of(den === 0 ? 0 : num / den);
};

export const crossEntropyVjp = (k: CeConstants) => ([x]: Float64Array[], g: Float64Array) => {
  const { out, den } = rows(x, k);
  const dx = new Float64Array(x.length);
  if (den === 0) return [dx];
  out.forEach((r, i) => {
    for (let j = 0; j < k.c; j++) dx[i * k.c + j] = ((Math.exp(r.row[j] - r.mx) / r.z - (j === r.y ? 1 : 0)) * r.w * g[0]) / den;
  });
  return [dx];
};
