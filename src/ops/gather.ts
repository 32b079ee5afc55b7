// Gathers rows of a tensor by positions held on the GPU (no autograd: it selects data, e.g.
// the tail examples of a batch for AEGL's attack).
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

/**
 * out[r] = src[positions[offset + r]] for r < rows, a row being src's trailing dimensions (the
 * offset is a uniform and the row count the output's length: one pipeline for any count).
 */
export function gatherRows(src: Tensor, positions: Tensor, offset: number, rows: number): Tensor {
  const row = src.shape.slice(1).reduce((a, b) => a * b, 1);
  if (offset + rows > positions.size) throw new Error(`gatherRows: positions ${offset}..${offset + rows} past ${positions.size}`);
  const out = Tensor.empty([rows, ...src.shape.slice(1)], src.dtype);
  const spec = { shader: 'gather', constants: { ROW: row } };
  engine().run(spec, [src, positions, out], grid1d(Math.ceil(out.size / 256)), new Uint32Array([offset, 0, 0, 0]));
  return out;
}
