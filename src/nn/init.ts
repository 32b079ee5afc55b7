// Seeded host-side initialisers matching torch.nn.init, drawn from the counter-based RNG so
// the same seed gives the same weights on every machine.
import { randUniform } from '../rng.js';
import { RngStream } from '../rng-streams.js';

/** Draws from one (seed, stream) sequence; each initialiser call continues it. */
export class InitRng {
  private index = 0;
  constructor(private readonly seed: number) {}

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * randUniform(this.seed, RngStream.init, this.index++);
  }

  /** Standard normal by Box–Muller (1 − u keeps the log finite). */
  normal(): number {
    const u = 1 - randUniform(this.seed, RngStream.init, this.index++);
    const v = randUniform(this.seed, RngStream.init, this.index++);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** torch.nn.init.kaiming_normal_(w) defaults: fan_in, gain √2, std = √(2 / fan_in). */
export function kaimingNormal(rng: InitRng, shape: number[]): Float32Array {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / fanIn);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
  return out;
}

/** U(−bound, bound): PyTorch's default Linear bias init uses bound = 1/√fan_in. */
export function uniformArray(rng: InitRng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}
