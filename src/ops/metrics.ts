// Classification metrics on the GPU (shaders/metrics.wgsl); no gradients.
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';

const WG = 64;

function rowsAndClasses(op: string, x: Tensor): [number, number] {
  if (x.shape.length !== 2 || x.size === 0) throw new Error(`${op}: expected a non-empty [N, C] tensor, got [${x.shape.join(', ')}]`);
  return [x.shape[0], x.shape[1]];
}

/**
 * Index of each row's maximum, the first one on ties like torch.argmax: a new u32 [N], or written
 * into `into.out` from element `into.offset` on (predictions of a whole split, batch by batch).
 */
export function argmax(x: Tensor, into?: { out: Tensor; offset: number }): Tensor {
  const [n, c] = rowsAndClasses('argmax', x);
  const out = into?.out ?? Tensor.empty([n], 'u32');
  const offset = into?.offset ?? 0;
  if (out.dtype !== 'u32' || offset + n > out.size) throw new Error(`argmax: rows ${offset}..${offset + n} do not fit a u32 [${out.size}] output`);
  engine().run({ shader: 'metrics', entry: 'argmax', constants: { C: c } }, [x, out], grid1d(Math.ceil(n / WG)), new Uint32Array([offset, n, 0, 0]));
  return out;
}

/**
 * Adds this batch's per-class results into `counts` (u32 [2·C]): counts[2c] += rows of true class c
 * predicted correctly, counts[2c + 1] += rows of true class c. Zero it once per epoch, read it once.
 */
export function accumulateClassCounts(logits: Tensor, labels: Tensor, counts: Tensor): void {
  const [n, c] = rowsAndClasses('accumulateClassCounts', logits);
  if (labels.dtype !== 'u32' || labels.size !== n) throw new Error(`accumulateClassCounts: labels should be u32 [${n}]`);
  if (counts.dtype !== 'u32' || counts.size !== 2 * c) throw new Error(`accumulateClassCounts: counts should be u32 [${2 * c}]`);
  engine().run({ shader: 'metrics', entry: 'class_counts', constants: { C: c } }, [logits, labels, counts], grid1d(Math.ceil(n / WG)));
}
