// Gathers rows of a tensor by positions held on the GPU (no autograd: it selects data, e.g.
// the tail examples of a batch for AEGL's attack).
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

/**
 * out[r] = src[positions[offset + r]] for r < rows, a row being src's trailing dimensions; with
 * padTo, rows up to padTo follow as zeros (the row count is a uniform: one pipeline for any count).
 */
export function gatherRows(src: Tensor, positions: Tensor, offset: number, rows: number, padTo = rows): Tensor {
  const row = src.shape.slice(1).reduce((a, b) => a * b, 1);
  if (offset + rows > positions.size) throw new Error(`gatherRows: positions ${offset}..${offset + rows} past ${positions.size}`);
  if (padTo < rows) throw new Error(`gatherRows: cannot pad ${rows} rows to ${padTo}`);
  const out = Tensor.empty([padTo, ...src.shape.slice(1)], src.dtype);
  const spec = { shader: 'gather', constants: { ROW: row } };
  engine().run(spec, [src, positions, out], grid1d(Math.ceil(out.size / 256)), new Uint32Array([offset, rows, 0, 0]));
  return out;
}
