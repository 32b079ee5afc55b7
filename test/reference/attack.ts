// Float64 references for the attack kernels; the random start replays the GPU's draws via src/rng.ts.
import { randUniform } from '../../src/rng.js';
import { RngStream } from '../../src/rng-streams.js';

const clip01 = (v: number) => Math.min(1, Math.max(0, v));

export function pgdStep(x: Float64Array, clean: Float64Array, grad: Float64Array, eps: number, alpha: number): Float64Array {
  return x.map((v, i) => clip01(Math.min(clean[i] + eps, Math.max(clean[i] - eps, v + alpha * Math.sign(grad[i])))));
}

export function randomStart(clean: Float64Array, eps: number, seed: number, offset: number): Float64Array {
  return clean.map((c, i) => clip01(c + (2 * randUniform(seed, RngStream.pgdRandomStart, offset + i) - 1) * eps));
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

/** Which tail rows cross: default = predicted head class; official = prediction is no tail label of the batch. */
export function gaeMark(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, tailFrom: number, official: boolean): number[] {
  const n = labels.length;
  const isTail = (y: number) => y >= tailFrom && y < classes;
  const tailLabels = new Set(Array.from(labels).filter(isTail));
  return Array.from({ length: n }, (_, i) => {
    if (!isTail(labels[i])) return 0;
    const p = argmax(Array.from(logits).slice(i * classes, (i + 1) * classes));
    return (official ? !tailLabels.has(p) : p < tailFrom) ? 1 : 0;
  });
}
