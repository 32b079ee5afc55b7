// Shared test setup: one engine per test file with output poisoning on, plus comparisons
// of GPU results with float64 references.
import { afterAll, beforeAll } from 'vitest';
import { closeEngine, initEngine, type Engine } from '../../src/gpu/engine.js';

/** Opens the engine for this file (poisoning new tensors) and closes it afterwards. */
export function useEngine(): { get: () => Engine } {
  let e: Engine | null = null;
  beforeAll(async () => {
    e = await initEngine();
    e.poison = true;
  });
  afterAll(() => closeEngine());
  return {
    get: () => {
      if (!e) throw new Error('engine not open');
      return e;
    },
  };
}

/** ‖got − want‖ / ‖want‖, the error measure of DESIGN.md; NaN anywhere gives Infinity. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs reference ${want.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < got.length; i++) {
    if (!Number.isFinite(got[i])) return Infinity;
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Seeded uniform values in [lo, hi) (mulberry32), so a failing case can be replayed. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** A fresh seed per call, printed in failure messages via the returned label. */
export function freshSeed(): number {
  return (Math.random() * 2 ** 31) >>> 0;
}

/** Rounds float64 values to float32, so references see exactly the inputs the GPU sees. */
export function f32(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(values as ArrayLike<number>));
}
