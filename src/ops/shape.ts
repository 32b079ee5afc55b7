// Shape ops with gradients. Tensor.reshape is a view without autograd; these record it, and the
// gradient is the incoming gradient viewed in the input's shape (no kernel runs either way).
// Row concatenation and slicing are buffer copies.
import { record } from '../autograd.js';
import { engine } from '../gpu/engine.js';
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

const rowsOf = (x: Tensor) => x.size / x.shape[0];

/** torch.cat([a, b]) along dim 0 (same trailing shape), with gradients split back by rows. */
export function concatRows(a: Tensor, b: Tensor): Tensor {
  if (a.shape.slice(1).join() !== b.shape.slice(1).join()) throw new Error(`concatRows: [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const out = Tensor.empty([a.shape[0] + b.shape[0], ...a.shape.slice(1)], a.dtype);
  engine().copy(a, out, a.byteLength);
  engine().copy(b, out, b.byteLength, 0, a.byteLength);
  return record(out, 'concatRows', [a, b], (g, needs) => [
    needs[0] ? sliceRows(g, 0, a.shape[0]) : null,
    needs[1] ? sliceRows(g, a.shape[0], b.shape[0]) : null,
  ]);
}

/** x[start : start + count] along dim 0, with a gradient that is zero outside those rows. */
export function sliceRows(x: Tensor, start: number, count: number): Tensor {
  if (start < 0 || count < 1 || start + count > x.shape[0]) throw new Error(`sliceRows: rows ${start}..${start + count} of ${x.shape[0]}`);
  const row = rowsOf(x) * 4;
  const out = Tensor.empty([count, ...x.shape.slice(1)], x.dtype);
  engine().copy(x, out, count * row, start * row);
  return record(out, 'sliceRows', [x], (g) => {
    const dx = Tensor.zeros(x.shape);
    engine().copy(g, dx, g.byteLength, 0, start * row);
    return [dx];
  });
}
