// LDAM logits: s·(logits − m_y at each row's label column), the input the reference LDAMLoss
// feeds to cross-entropy (`output = torch.where(index, x − batch_m, x)`, then `s * output`).
// Compose with crossEntropy(…, { weights }) from ops/loss for LDAM and LDAM-DRW.
import { record } from '../autograd.js';
import { engine, grid1d } from '../gpu/engine.js';
import { Tensor } from '../tensor.js';
import { scale } from './elementwise.js';

const WG = 256;

/** logits f32 [N, C], labels u32 [N], margins f32 [C] (see train/class-weights ldamMargins). */
export function ldamLogits(logits: Tensor, labels: Tensor, margins: Tensor, s = 30): Tensor {
  const [n, c] = logits.shape;
  if (logits.shape.length !== 2 || labels.dtype !== 'u32' || labels.size !== n || margins.size !== c || margins.dtype !== 'f32') {
    throw new Error(
      `ldamLogits: expected logits [N, C], u32 labels [N], f32 margins [C]; got [${logits.shape}], ${labels.dtype} [${labels.shape}], ${margins.dtype} [${margins.shape}]`,
    );
  }
  const out = Tensor.empty(logits.shape);
  engine().run({ shader: 'ldam', entry: 'forward' }, [logits, labels, margins, out], grid1d(Math.ceil(out.size / WG)), new Float32Array([s, 0, 0, 0]));
  // The margins are constants (the reference builds them once from the class counts): ∂/∂logits only.
  return record(out, 'ldam', [logits], (g) => [scale(g, s)]);
}
