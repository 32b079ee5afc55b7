// Inverted dropout with a seeded, counter-based mask (stream RngStream.dropout): the same seed
// and step give the same mask on every run, and the backward pass recomputes it.
import { record } from '../autograd.js';
import { engine } from '../gpu/engine.js';
import { strideGrid } from '../gpu/grid-stride.js';
import { RngStream } from '../rng-streams.js';
import { Tensor } from '../tensor.js';

const WG = 256;

export interface DropoutOptions {
  seed: number;
  /** Training step: draws of step s use indices s·size … s·size + size − 1 of the stream (mod 2³²). */
  step: number;
  training: boolean;
}

function applyMask(x: Tensor, p: number, seed: number, base: number): Tensor {
  const out = Tensor.empty(x.shape);
  const params = new ArrayBuffer(16);
  new Uint32Array(params, 0, 2).set([seed >>> 0, base]);
  // p = 1 drops everything (PyTorch gives zeros); the scale is then never used.
  new Float32Array(params, 8, 2).set([p, p < 1 ? 1 / (1 - p) : 0]);
  engine().run({ shader: 'dropout', constants: { STREAM: RngStream.dropout } }, [x, out], strideGrid(x.size, WG), new Uint32Array(params));
  return out;
}

/** F.dropout(x, p, training): keeps each value with probability 1 − p and scales it by 1/(1 − p); identity when not training. */
export function dropout(x: Tensor, p: number, { seed, step, training }: DropoutOptions): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability ${p} is not in [0, 1]`);
  if (!training) return x;
  if (!Number.isInteger(step) || step < 0) throw new Error(`dropout: step ${step} is not a non-negative integer`);
  const base = Math.imul(step, x.size) >>> 0;
  return record(applyMask(x, p, seed, base), 'dropout', [x], (g) => [applyMask(g, p, seed, base)]);
}
