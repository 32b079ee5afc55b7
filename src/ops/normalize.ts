// L2 normalisation of rows or columns (PyTorch F.normalize, eps 1e-12), with gradients: the LDAM
// cosine classifier is normalizeRows(features) · normalizeCols(weight).
import { record } from '../autograd.js';
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

const WG = 64;

function normalizeVectors(op: string, x: Tensor, count: number, constants: { LEN: number; VSTRIDE: number; ESTRIDE: number }): Tensor {
  const out = Tensor.empty(x.shape);
  const workgroups = grid1d(Math.ceil(count / WG));
  engine().run({ shader: 'normalize', entry: 'forward', constants }, [x, out], workgroups);
  return record(out, op, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    engine().run({ shader: 'normalize', entry: 'backward', constants }, [x, g, dx], workgroups);
    return [dx];
  });
}

function matrix(op: string, x: Tensor): [number, number] {
  if (x.shape.length !== 2) throw new Error(`${op}: input [${x.shape.join(', ')}] is not a matrix`);
  return x.shape as [number, number];
}

/** F.normalize(x, dim=1) for x: [N, D]: each row divided by max(‖row‖₂, 1e-12). */
export function normalizeRows(x: Tensor): Tensor {
  const [n, d] = matrix('normalizeRows', x);
  return normalizeVectors('normalizeRows', x, n, { LEN: d, VSTRIDE: d, ESTRIDE: 1 });
}

/** F.normalize(w, dim=0) for w: [D, K]: each column divided by max(‖column‖₂, 1e-12). */
export function normalizeCols(w: Tensor): Tensor {
  const [d, k] = matrix('normalizeCols', w);
  return normalizeVectors('normalizeCols', w, k, { LEN: d, VSTRIDE: 1, ESTRIDE: k });
}
