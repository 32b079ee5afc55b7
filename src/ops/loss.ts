// Fused softmax + cross-entropy (shaders/softmax_ce.wgsl): the loss of every method here.
import { record } from '../autograd.js';
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';
import { sumRows } from './reduce.js';

const WG = 64;

export interface CrossEntropyOptions {
  /** Per-class weights [C] (PyTorch's `weight=`; DRW's re-weighting). */
  weights?: Tensor;
  /** Per-example mask [N] (f32, usually 0/1): AEGL's "over the guiding adversarial examples". */
  mask?: Tensor;
}

function check(logits: Tensor, labels: Tensor, o: CrossEntropyOptions): [number, number] {
  const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
  if (logits.shape.length !== 2 || logits.size === 0) throw new Error(`crossEntropy: logits ${shape(logits)} should be a non-empty [N, C]`);
  const [n, c] = logits.shape;
  if (labels.dtype !== 'u32' || labels.size !== n) throw new Error(`crossEntropy: labels should be u32 [${n}], got ${labels.dtype} ${shape(labels)}`);
  if (o.weights && o.weights.size !== c) throw new Error(`crossEntropy: weights ${shape(o.weights)} should be [${c}]`);
  if (o.mask && o.mask.size !== n) throw new Error(`crossEntropy: mask ${shape(o.mask)} should be [${n}]`);
  return [n, c];
}

/**
 * PyTorch's F.cross_entropy(logits, labels, weight, reduction='mean') with an optional mask:
 * Σᵢ mᵢ·w[yᵢ]·ℓᵢ / Σᵢ mᵢ·w[yᵢ] → [1], and 0 (with a zero gradient) when that denominator is 0.
 * Labels are not range-checked (that would need a read back); a label ≥ C gives a wrong loss.
 * Gradient with respect to the logits only: labels, weights and mask are constants.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const [n, c] = check(logits, labels, options);
  const { weights, mask } = options;
  const constants = { C: c, HAS_W: weights ? 1 : 0, HAS_M: mask ? 1 : 0 };
  // Absent weights or mask are never read (HAS_W / HAS_M): any read-only buffer fills the slot.
  const inputs = [logits, labels, weights ?? logits, mask ?? logits];
  const groups = grid1d(Math.ceil(n / WG));

  const terms = Tensor.empty([n, 2]);
  engine().run({ shader: 'softmax_ce', entry: 'rows', constants }, [...inputs, terms], groups);
  const sums = sumRows(terms); // (Σ w·ℓ, Σ w)
  terms.dispose();
  const loss = Tensor.empty([1]);
  engine().run({ shader: 'softmax_ce', entry: 'finish' }, [sums, loss], [1]);

  const out = record(loss, 'crossEntropy', [logits], (g) => {
    const dlogits = Tensor.empty([n, c]);
    engine().run({ shader: 'softmax_ce', entry: 'backward', constants }, [...inputs, sums, g, dlogits], groups);
    return [dlogits];
  });
  if (!out.node) sums.dispose(); // only the backward pass reads the denominator again
  return out;
}
