// Reductions: sum, mean (→ [1]) and sumRows ([N, C] → [C], the bias gradient), with gradients.
import { record } from '../autograd.js';
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

const WG = 64;
/** Rows summed serially per output element and pass: the reduction tree's fan-in. */
const FAN_IN = 64;
/** Up to this many rows, one pass sums a column serially (cheaper than a second dispatch). */
const ONE_PASS_ROWS = 256;

/** Column sums of a [rows, cols] tensor, times `scale`, by repeated passes (shaders/reduce.wgsl). */
function columnSums(x: Tensor, rows: number, cols: number, scale: number, outShape: readonly number[]): Tensor {
  let current = x;
  do {
    // One pass sums up to ONE_PASS_ROWS rows: R is that bound, not the row count (one pipeline).
    const r = rows <= ONE_PASS_ROWS ? ONE_PASS_ROWS : FAN_IN;
    const outRows = Math.ceil(rows / r);
    const out = Tensor.empty(outRows === 1 ? outShape : [outRows, cols]);
    engine().run(
      { shader: 'reduce', entry: 'sum_rows', constants: { C: cols, R: r } },
      [current, out],
      grid1d(Math.ceil((outRows * cols) / WG)),
      new Float32Array([outRows === 1 ? scale : 1, 0, 0, 0]),
    );
    // Intermediates go back to the pool at once: later kernels in this submit run after this one.
    if (current !== x) current.dispose();
    current = out;
    rows = outRows;
  } while (rows > 1);
  return current;
}

/** out[n, c] = g[c] · scale for an output of `shape` whose last `cols` elements repeat. */
function broadcastRows(g: Tensor, shape: readonly number[], cols: number, scale: number): Tensor {
  const dx = Tensor.empty(shape);
  engine().run(
    { shader: 'reduce', entry: 'broadcast_rows', constants: { C: cols } },
    [g, dx],
    grid1d(Math.ceil(dx.size / WG)),
    new Float32Array([scale, 0, 0, 0]),
  );
  return dx;
}

function scaledSum(op: string, x: Tensor, scale: number): Tensor {
  if (x.size === 0) throw new Error(`${op}: empty tensor`);
  const out = columnSums(x, x.size, 1, scale, [1]);
  return record(out, op, [x], (g) => [broadcastRows(g, x.shape, 1, scale)]);
}

/** Σ x over every element → [1]. */
export function sum(x: Tensor): Tensor {
  return scaledSum('sum', x, 1);
}

/** Mean over every element → [1] (the 1/n is applied once, to the final sum). */
export function mean(x: Tensor): Tensor {
  return scaledSum('mean', x, 1 / x.size);
}

/** Σ over rows of x [N, C] → [C]: the bias gradient of a linear layer. */
export function sumRows(x: Tensor): Tensor {
  if (x.shape.length !== 2 || x.size === 0) throw new Error(`sumRows: expected a non-empty [N, C] tensor, got [${x.shape.join(', ')}]`);
  const [n, c] = x.shape;
  const out = columnSums(x, n, c, 1, [c]);
  return record(out, 'sumRows', [x], (g) => [broadcastRows(g, x.shape, c, 1)]);
}
