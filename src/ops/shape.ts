// Shape ops with gradients. Tensor.reshape is a view without autograd; these record it, and the
// gradient is the incoming gradient viewed in the input's shape (no kernel runs either way).
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

/** x.reshape(shape) as PyTorch: the same values in row-major order; one entry may be −1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  const free = target.indexOf(-1);
  if (free >= 0) {
    const known = target.reduce((a, b, i) => (i === free ? a : a * b), 1);
    if (target.lastIndexOf(-1) !== free || known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot view [${x.shape.join(', ')}] as [${shape.join(', ')}]`);
    }
    target[free] = x.size / known;
  }
  return record(x.reshape(target), 'reshape', [x], (g) => [g.reshape(x.shape)]);
}

/** [N, ...] → [N, product of the rest] (torch.flatten(x, 1)). */
export function flatten(x: Tensor): Tensor {
  if (x.shape.length < 1) throw new Error('flatten: a scalar has no batch dimension');
  return reshape(x, [x.shape[0], x.size / x.shape[0]]);
}
