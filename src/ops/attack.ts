// AEGL's attack kernels (no autograd: they act on data, between forward/backward passes).
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

const WG = 256;

function pgdUniform(eps: number, alpha: number, seed: number, offset: number): ArrayBuffer {
  const u = new ArrayBuffer(16);
  new Float32Array(u, 0, 2).set([eps, alpha]);
  new Uint32Array(u, 8, 2).set([seed >>> 0, offset >>> 0]);
  return u;
}

/** x⁰ = clip01(x_clean + U(−ε, ε)), drawn from (seed, pgdRandomStart stream, offset + element). */
export function pgdRandomStart(xClean: Tensor, eps: number, seed: number, offset: number): Tensor {
  const out = Tensor.empty(xClean.shape);
  const u = new Uint32Array(pgdUniform(eps, 0, seed, offset));
  engine().run({ shader: 'attack', entry: 'random_start' }, [xClean, out], grid1d(Math.ceil(out.size / WG)), u);
  return out;
}

/** One fused PGD step: clip01(clamp(x + α·sign(∇x), x_clean − ε, x_clean + ε)). */
export function pgdStep(x: Tensor, xClean: Tensor, grad: Tensor, eps: number, alpha: number): Tensor {
  const out = Tensor.empty(x.shape);
  const u = new Uint32Array(pgdUniform(eps, alpha, 0, 0));
  engine().run({ shader: 'attack', entry: 'pgd_step' }, [x, xClean, grad, out], grid1d(Math.ceil(out.size / WG)), u);
  return out;
}

export interface GaeFilter {
  classes: number;
  tailFrom: number;
  /** The released code's filter: the prediction equals none of the batch's tail labels. */
  official: boolean;
}

/** Sets mark[i] = 1 where tail example i, at these logits, counts as a guiding adversarial example. */
export function markGaes(logits: Tensor, labels: Tensor, mark: Tensor, f: GaeFilter): void {
  const constants = { CLASSES: f.classes, TAIL_FROM: f.tailFrom, OFFICIAL: f.official ? 1 : 0 };
  engine().run({ shader: 'attack', entry: 'gae_mark', constants }, [logits, labels, mark], [Math.ceil(mark.size / 64)]);
}

/** counts[2c] += GAEs of tail class c, counts[2c+1] += its tail examples that never crossed. */
export function countGaes(labels: Tensor, mark: Tensor, counts: Tensor, f: GaeFilter): void {
  const constants = { CLASSES: f.classes, TAIL_FROM: f.tailFrom };
  engine().run({ shader: 'attack', entry: 'gae_count', constants }, [labels, mark, counts], [Math.ceil(mark.size / 64)]);
}
