// Per-class constants of the LDAM-DRW baselines (Cao et al. 2019, kaidic/LDAM-DRW), computed in
// float64 as numpy does and handed over as Float32Array, the precision the GPU uses.
import { UserError } from '../../errors.js';

/** β of the class-balanced ("effective number") weights DRW switches to. */
export const DRW_BETA = 0.9999;

function checkCounts(counts: ArrayLike<number>): void {
  if (counts.length === 0) throw new UserError('no classes: the training set is empty');
  for (let c = 0; c < counts.length; c++) {
    if (!(counts[c] > 0)) throw new UserError(`class ${c} has no training images: class weights and margins need at least one`);
  }
}

/**
 * Class-balanced weights (1 − β)/(1 − β^n_c), normalised to sum to C, exactly as the reference's
 * DRW rule. β = 0 gives all ones: the reference's weights before the DRW epoch.
 */
export function classBalancedWeights(counts: ArrayLike<number>, beta = DRW_BETA): Float32Array {
  checkCounts(counts);
  const raw = Array.from(counts, (n) => (1 - beta) / (1 - beta ** n));
  const total = raw.reduce((a, b) => a + b, 0);
  return Float32Array.from(raw, (w) => (w / total) * counts.length);
}

/** LDAM margins m_c ∝ n_c^(−1/4), scaled so the largest (the rarest class's) is `maxMargin`. */
export function ldamMargins(counts: ArrayLike<number>, maxMargin = 0.5): Float32Array {
  checkCounts(counts);
  const raw = Array.from(counts, (n) => 1 / Math.sqrt(Math.sqrt(n)));
  const largest = Math.max(...raw);
  return Float32Array.from(raw, (m) => m * (maxMargin / largest));
}
