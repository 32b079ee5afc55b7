// The statistics a seed sweep reports: mean ± sample standard deviation, a paired difference's
// 95 % t-interval, and McNemar's exact test on two models' per-image predictions. The t and
// binomial tails come from the regularised incomplete beta function (Numerical Recipes' betacf),
// so no table limits the number of seeds or images.

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value, as there is no spread to estimate. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * ln Γ(x) for x a positive multiple of ½ — the only arguments the t and binomial tails here need
 * (df/2, ½, counts) — summed exactly: Γ(n) = (n − 1)!, Γ(n + ½) = √π · Π (k − ½).
 */
function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isInteger(2 * x)) throw new Error(`lnGamma(${x}): only positive multiples of 1/2`);
  let sum = Number.isInteger(x) ? 0 : 0.5 * Math.log(Math.PI);
  for (let k = Number.isInteger(x) ? 1 : 0.5; k < x; k++) sum += Math.log(k);
  return sum;
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const aa of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + aa * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** The t quantile: the t with P(T ≤ t) = p, by bisection on the CDF. */
export function studentQuantile(p: number, df: number): number {
  let lo = -1e4;
  let hi = 1e4;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface PairedDifference {
  /** Seeds paired. */
  n: number;
  mean: number;
  std: number;
  /** 95 % t-interval of the mean difference; null with fewer than two pairs. */
  low: number | null;
  high: number | null;
}

/** Mean of per-seed differences with its 95 % t-interval (mean ± t₀.₉₇₅,ₙ₋₁ · s/√n). */
export function pairedDifference(diffs: readonly number[]): PairedDifference {
  const n = diffs.length;
  const m = mean(diffs);
  const s = std(diffs);
  if (n < 2) return { n, mean: m, std: s, low: null, high: null };
  const half = (studentQuantile(0.975, n - 1) * s) / Math.sqrt(n);
  return { n, mean: m, std: s, low: m - half, high: m + half };
}

export interface McNemar {
  /** Images model A classifies correctly and model B does not. */
  onlyA: number;
  /** Images model B classifies correctly and model A does not. */
  onlyB: number;
  /** Two-sided exact p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), at most 1. */
  p: number;
}

/** McNemar's exact test of two models' predictions on the same labelled images. */
export function mcnemarExact(predA: ArrayLike<number>, predB: ArrayLike<number>, labels: ArrayLike<number>): McNemar {
  if (predA.length !== labels.length || predB.length !== labels.length) throw new Error(`mcnemarExact: ${predA.length} and ${predB.length} predictions for ${labels.length} labels`);
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < labels.length; i++) {
    const a = predA[i] === labels[i];
    const b = predB[i] === labels[i];
    if (a && !b) onlyA++;
    else if (b && !a) onlyB++;
  }
  const n = onlyA + onlyB;
  const k = Math.min(onlyA, onlyB);
  // P(X ≤ k) = I_{1/2}(n − k, k + 1); with k = n/2 exactly the two tails overlap and p is 1.
  const lowerTail = k >= n ? 1 : incompleteBeta(n - k, k + 1, 0.5);
  return { onlyA, onlyB, p: Math.min(1, 2 * lowerTail) };
}
