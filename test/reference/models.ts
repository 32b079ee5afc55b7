// Float64 references of the two models, built from the reference ops on the CPU tape, taking
// parameters by their PyTorch names. Batch norm runs in training mode (batch statistics).
import * as bn from './batchnorm.js';
import * as conv from './conv2d.js';
import * as ew from './elementwise.js';
import * as mm from './matmul.js';
import * as pool from './pool.js';
import * as sc from './shortcut.js';
import { apply, leaf, type RefValue } from './tape.js';

export type Params = Map<string, RefValue>;

export function paramsFrom(named: [string, ArrayLike<number>, number[]][]): Params {
  return new Map(named.map(([name, v, shape]) => [name, leaf(v, shape)]));
}

function p(params: Params, name: string): RefValue {
  const v = params.get(name);
  if (!v) throw new Error(`reference model: no parameter ${name}`);
  return v;
}

function conv2d(x: RefValue, w: RefValue, stride: number, pad: number): RefValue {
  const [n, c, h, wd] = x.shape;
  const d = { n, c, h, w: wd, k: w.shape[0], r: w.shape[2], s: w.shape[3], stride, pad };
  const [ho, wo] = conv.outSize(d);
  return apply(conv.conv2d(d), conv.conv2dVjp(d), [x, w], [n, d.k, ho, wo]);
}

function batchNorm(params: Params, prefix: string, x: RefValue): RefValue {
  const [n, c, h, w] = x.shape;
  const s = { n, c, hw: h * w };
  return apply(bn.trainForward(s), bn.trainVjp(s), [x, p(params, `${prefix}.weight`), p(params, `${prefix}.bias`)], x.shape);
}

/**
 * The GPU model's ReLU outputs, in the order it applies them. ReLU's derivative jumps at 0, so an
 * input within f32 rounding of zero may fall on the other side on the GPU than in float64, and one
 * such element can move a batch-norm bias gradient by a few percent: the reference's backward lets
 * through exactly the inputs the GPU let through (its forward stays float64).
 */
export type ReluMasks = Iterator<ArrayLike<number>>;

function reluOf(masks: ReluMasks): (x: RefValue) => RefValue {
  return (x) => {
    const next = masks.next();
    if (next.done || next.value.length !== x.value.length) throw new Error('reference model: GPU ReLU outputs do not match its ReLUs');
    const gpuOut = Float64Array.from(next.value);
    return apply(ew.relu, (_, g) => ew.reluVjp([gpuOut], g), [x], x.shape);
  };
}
const add = (a: RefValue, b: RefValue) => apply(ew.add, ew.addVjp, [a, b], a.shape);

function linear(params: Params, prefix: string, x: RefValue): RefValue {
  const [n, din] = x.shape;
  const w = p(params, `${prefix}.weight`);
  const dout = w.shape[0];
  return apply(mm.linear(n, din, dout, true), mm.linearVjp(n, din, dout, true), [x, w, p(params, `${prefix}.bias`)], [n, dout]);
}

/** The Fashion-MNIST CNN of src/nn/models/fmnist-cnn.ts. */
export function fashionCnn(params: Params, x: RefValue, masks: ReluMasks): RefValue {
  const relu = reluOf(masks);
  const block = (h: RefValue, i: number) => {
    const y = relu(batchNorm(params, `bn${i}`, conv2d(h, p(params, `conv${i}.weight`), 1, 1)));
    const [n, c, hh, ww] = y.shape;
    return apply(pool.maxPool([n, c, hh, ww]), pool.maxPoolVjp([n, c, hh, ww]), [y], [n, c, Math.floor(hh / 2), Math.floor(ww / 2)]);
  };
  const h = block(block(x, 1), 2);
  const flat = apply(([v]) => v.slice(), (_, g) => [g.slice()], [h], [h.shape[0], h.value.length / h.shape[0]]);
  return linear(params, 'fc2', relu(linear(params, 'fc1', flat)));
}

/** ResNet-32 of src/nn/models/resnet32.ts with its linear head. */
export function resnet32(params: Params, x: RefValue, masks: ReluMasks): RefValue {
  const relu = reluOf(masks);
  let h = relu(batchNorm(params, 'bn1', conv2d(x, p(params, 'conv1.weight'), 1, 1)));
  [16, 32, 64].forEach((planes, s) => {
    for (let b = 0; b < 5; b++) {
      const pre = `layer${s + 1}.${b}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      const out = batchNorm(params, `${pre}.bn2`, conv2d(relu(batchNorm(params, `${pre}.bn1`, conv2d(h, p(params, `${pre}.conv1.weight`), stride, 1))), p(params, `${pre}.conv2.weight`), 1, 1));
      const [n, c, hh, ww] = h.shape;
      const shortcut =
        stride !== 1 || c !== planes ? apply(sc.shortcutA([n, c, hh, ww], planes), sc.shortcutAVjp([n, c, hh, ww], planes), [h], out.shape) : h;
      h = relu(add(out, shortcut));
    }
  });
  const [n, c, hh, ww] = h.shape;
  const pooled = apply(pool.globalAvgPool([n, c, hh, ww]), pool.globalAvgPoolVjp([n, c, hh, ww]), [h], [n, c]);
  return linear(params, 'linear', pooled);
}
