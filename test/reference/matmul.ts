// Float64 references for matmul (with transposes) and linear, with their vector-Jacobian products.

/** op(X)[i, j] for X stored [rows, cols], transposed when `t`. */
function at(x: Float64Array, cols: number, t: boolean, i: number, j: number, rowsOfOp: number): number {
  return t ? x[j * rowsOfOp + i] : x[i * cols + j];
}

/** C = op(A)·op(B) with op(A) [m, k] and op(B) [k, n]. */
export const matmul = (m: number, k: number, n: number, ta = false, tb = false) => ([a, b]: Float64Array[]) => {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(a, k, ta, i, p, m) * at(b, n, tb, p, j, k);
      c[i * n + j] = s;
    }
  return c;
};

/** ∂⟨C, G⟩ with respect to A and B, in their stored layouts, written as plain sums over indices. */
export const matmulVjp = (m: number, k: number, n: number, ta = false, tb = false) => ([a, b]: Float64Array[], g: Float64Array) => {
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const gij = g[i * n + j];
      for (let p = 0; p < k; p++) {
        da[ta ? p * m + i : i * k + p] += gij * at(b, n, tb, p, j, k);
        db[tb ? j * k + p : p * n + j] += gij * at(a, k, ta, i, p, m);
      }
    }
  return [da, db];
};

/** y = x·wᵀ + b for x [n, din], w [dout, din], b [dout] (b omitted when `bias` is false). */
export const linear = (n: number, din: number, dout: number, bias: boolean) => (inputs: Float64Array[]) => {
  const y = matmul(n, din, dout, false, true)(inputs);
  if (bias) for (let i = 0; i < y.length; i++) y[i] += inputs[2][i % dout];
  return y;
};

export const linearVjp = (n: number, din: number, dout: number, bias: boolean) => (inputs: Float64Array[], g: Float64Array) => {
  const [dx, dw] = matmulVjp(n, din, dout, false, true)(inputs, g);
  if (!bias) return [dx, dw];
  const db = new Float64Array(dout);
  for (let i = 0; i < g.length; i++) db[i % dout] += g[i];
  return [dx, dw, db];
};
