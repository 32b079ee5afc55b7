// Float64 L2 normalisation of rows or columns (F.normalize, eps 1e-12) and its VJP.
const EPS = 1e-12;

/** Element j of vector k of a [rows, cols] matrix: vectors are rows (dim 1) or columns (dim 0). */
function layout(rows: number, cols: number, dim: 0 | 1) {
  return dim === 1
    ? { count: rows, len: cols, at: (k: number, j: number) => k * cols + j }
    : { count: cols, len: rows, at: (k: number, j: number) => j * cols + k };
}

export const normalize = (rows: number, cols: number, dim: 0 | 1) => ([x]: Float64Array[]) => {
  const { count, len, at } = layout(rows, cols, dim);
  const y = new Float64Array(x.length);
  for (let k = 0; k < count; k++) {
    let s = 0;
    for (let j = 0; j < len; j++) s += x[at(k, j)] ** 2;
    const d = Math.max(Math.sqrt(s), EPS);
    for (let j = 0; j < len; j++) y[at(k, j)] = x[at(k, j)] / d;
  }
  return y;
};

export const normalizeVjp = (rows: number, cols: number, dim: 0 | 1) => ([x]: Float64Array[], g: Float64Array) => {
  const { count, len, at } = layout(rows, cols, dim);
  const dx = new Float64Array(x.length);
  for (let k = 0; k < count; k++) {
    let s = 0;
    let dot = 0;
    for (let j = 0; j < len; j++) {
      s += x[at(k, j)] ** 2;
      dot += x[at(k, j)] * g[at(k, j)];
    }
    const n = Math.sqrt(s);
    const d = Math.max(n, EPS);
    // y = x/d: ∂x = g/d − x·⟨x, g⟩/(d²·n)·[n ≥ ε]
    for (let j = 0; j < len; j++) dx[at(k, j)] = g[at(k, j)] / d - (n >= EPS ? (x[at(k, j)] * dot) / (d * d * n) : 0);
  }
  return [dx];
};
