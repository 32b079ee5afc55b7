// The option-A (parameter-free) shortcut of the CIFAR ResNets, as in LDAM-DRW's resnet32:
// LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4))).
import { record } from '../autograd.js';
import { engine } from '../gpu/engine.js';
import { strideGrid } from '../gpu/grid-stride.js';
import { Tensor } from '../tensor.js';

const WG = 256;

/** [N, C, H, W] → [N, outChannels, ⌈H/2⌉, ⌈W/2⌉]: every other row and column, (outChannels − C)/2 zero channels each side. */
export function shortcutA(x: Tensor, outChannels: number): Tensor {
  if (x.shape.length !== 4) throw new Error(`shortcutA: input [${x.shape.join(', ')}] is not [N, C, H, W]`);
  const [n, c, h, w] = x.shape;
  if (outChannels < c || (outChannels - c) % 2 !== 0) {
    throw new Error(`shortcutA: cannot pad ${c} channels evenly to ${outChannels}`);
  }
  const constants = { C: c, H: h, W: w, CO: outChannels };
  const out = Tensor.empty([n, outChannels, Math.ceil(h / 2), Math.ceil(w / 2)]);
  engine().run({ shader: 'shortcut', entry: 'forward', constants }, [x, out], strideGrid(out.size, WG));
  return record(out, 'shortcutA', [x], (g) => {
    const dx = Tensor.empty(x.shape);
    engine().run({ shader: 'shortcut', entry: 'backward', constants }, [g, dx], strideGrid(x.size, WG));
    return [dx];
  });
}
