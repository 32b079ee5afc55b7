// Float64 batch normalisation over [N, C, HW] (PyTorch semantics) and its vector-Jacobian product.
export interface BnShape {
  n: number;
  c: number;
  hw: number;
}

const EPS = 1e-5;
const at = (s: BnShape, i: number, c: number, j: number) => (i * s.c + c) * s.hw + j;

/** Per-channel batch mean and biased variance. */
export function batchStats(s: BnShape, x: Float64Array): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(s.c);
  const variance = new Float64Array(s.c);
  const m = s.n * s.hw;
  for (let c = 0; c < s.c; c++) {
    let sum = 0;
    for (let i = 0; i < s.n; i++) for (let j = 0; j < s.hw; j++) sum += x[at(s, i, c, j)];
    mean[c] = sum / m;
    let sq = 0;
    for (let i = 0; i < s.n; i++) for (let j = 0; j < s.hw; j++) sq += (x[at(s, i, c, j)] - mean[c]) ** 2;
    variance[c] = sq / m;
  }
  return { mean, variance };
}

/** Running statistics after one training step (momentum 0.1, unbiased variance, as PyTorch). */
export function updateRunning(s: BnShape, x: Float64Array, runningMean: Float64Array, runningVar: Float64Array, momentum = 0.1): void {
  const { mean, variance } = batchStats(s, x);
  const m = s.n * s.hw;
  for (let c = 0; c < s.c; c++) {
    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c];
    runningVar[c] = (1 - momentum) * runningVar[c] + momentum * variance[c] * (m / (m - 1));
  }
}

function affine(s: BnShape, x: Float64Array, w: Float64Array, b: Float64Array, mean: Float64Array, variance: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < s.n; i++)
    for (let c = 0; c < s.c; c++)
      for (let j = 0; j < s.hw; j++) {
        const k = at(s, i, c, j);
        y[k] = ((x[k] - mean[c]) / Math.sqrt(variance[c] + EPS)) * w[c] + b[c];
      }
  return y;
}

/** Training mode: inputs [x, weight, bias]. */
export const trainForward = (s: BnShape) => ([x, w, b]: Float64Array[]) => {
  const { mean, variance } = batchStats(s, x);
  return affine(s, x, w, b, mean, variance);
};

/** Inference mode with fixed running statistics: inputs [x, weight, bias]. */
export const evalForward = (s: BnShape, runningMean: Float64Array, runningVar: Float64Array) => ([x, w, b]: Float64Array[]) =>
  affine(s, x, w, b, runningMean, runningVar);

function vjp(s: BnShape, [x, w]: Float64Array[], g: Float64Array, mean: Float64Array, variance: Float64Array, training: boolean): Float64Array[] {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(s.c);
  const db = new Float64Array(s.c);
  const m = s.n * s.hw;
  for (let c = 0; c < s.c; c++) {
    const inv = 1 / Math.sqrt(variance[c] + EPS);
    for (let i = 0; i < s.n; i++)
      for (let j = 0; j < s.hw; j++) {
        const k = at(s, i, c, j);
        db[c] += g[k];
        dw[c] += g[k] * (x[k] - mean[c]) * inv;
      }
    for (let i = 0; i < s.n; i++)
      for (let j = 0; j < s.hw; j++) {
        const k = at(s, i, c, j);
        const xhat = (x[k] - mean[c]) * inv;
        dx[k] = training ? w[c] * inv * (g[k] - db[c] / m - (xhat * dw[c]) / m) : g[k] * w[c] * inv;
      }
  }
  return [dx, dw, db];
}

export const trainVjp = (s: BnShape) => (inputs: Float64Array[], g: Float64Array) => {
  const { mean, variance } = batchStats(s, inputs[0]);
  return vjp(s, inputs, g, mean, variance, true);
};

export const evalVjp = (s: BnShape, runningMean: Float64Array, runningVar: Float64Array) => (inputs: Float64Array[], g: Float64Array) =>
  vjp(s, inputs, g, runningMean, runningVar, false);
