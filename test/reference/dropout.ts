// Float64 inverted dropout for a given mask, and the mask replayed from src/rng.ts's CPU twin.
import { randUniform } from '../../src/rng.js';
import { RngStream } from '../../src/rng-streams.js';

/** 1 where value i of step `step` is kept: draw (step·size + i) mod 2³² of the dropout stream ≥ p. */
export function dropoutMask(size: number, p: number, seed: number, step: number): Float64Array {
  const pf = Math.fround(p);
  return Float64Array.from({ length: size }, (_, i) => (randUniform(seed, RngStream.dropout, (step * size + i) % 2 ** 32) >= pf ? 1 : 0));
}

export const dropout = (mask: Float64Array, p: number) => ([x]: Float64Array[]) => x.map((v, i) => (mask[i] * v) / (1 - p));
export const dropoutVjp = (mask: Float64Array, p: number) => (_: Float64Array[], g: Float64Array) => [g.map((v, i) => (mask[i] * v) / (1 - p))];
