// Pooling over [N, C, H, W]: 2×2 max pooling with stride 2 and global average pooling.
import { record } from '../autograd.js';
import { engine } from '../gpu/engine.js';
import { strideGrid } from '../gpu/grid-stride.js';
import { Tensor } from '../tensor.js';

const WG = 256;

function nchw(op: string, x: Tensor): [number, number, number, number] {
  if (x.shape.length !== 4) throw new Error(`${op}: input [${x.shape.join(', ')}] is not [N, C, H, W]`);
  return x.shape as [number, number, number, number];
}

/** F.max_pool2d(x, 2): floor output size; the gradient goes to the first maximum of a window on ties, as PyTorch. */
export function maxPool2d(x: Tensor): Tensor {
  const [n, c, h, w] = nchw('maxPool2d', x);
  if (h < 2 || w < 2) throw new Error(`maxPool2d: input [${x.shape.join(', ')}] is smaller than the 2×2 window`);
  const constants = { H: h, W: w };
  const out = Tensor.empty([n, c, Math.floor(h / 2), Math.floor(w / 2)]);
  const workgroups = strideGrid(out.size, WG);
  engine().run({ shader: 'pool', entry: 'max_forward', constants }, [x, out], workgroups);
  return record(out, 'maxPool2d', [x], (g) => {
    const dx = Tensor.empty(x.shape);
    engine().run({ shader: 'pool', entry: 'max_backward', constants }, [x, g, dx], workgroups);
    return [dx];
  });
}

/** Mean over H and W: [N, C, H, W] → [N, C] (F.adaptive_avg_pool2d(x, 1) flattened). */
export function globalAvgPool(x: Tensor): Tensor {
  const [n, c, h, w] = nchw('globalAvgPool', x);
  const constants = { H: h, W: w };
  const out = Tensor.empty([n, c]);
  engine().run({ shader: 'pool', entry: 'avg_forward', constants }, [x, out], strideGrid(out.size, WG));
  return record(out, 'globalAvgPool', [x], (g) => {
    const dx = Tensor.empty(x.shape);
    engine().run({ shader: 'pool', entry: 'avg_backward', constants }, [g, dx], strideGrid(x.size, WG));
    return [dx];
  });
}
