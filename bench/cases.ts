// The registry of timed cases: every kernel and variant on the layer shapes of bench/shapes.ts,
// forward and backward.
import { CONV_KERNELS } from '../src/ops/conv-variants.js';
import { CONV_PASSES, conv2d, convFlops, convGeometry, convPassShapes, convVariants, geometryKey, runConvPass } from '../src/ops/conv.js';
import { BATCHNORM_VARIANTS, batchNorm2d } from '../src/ops/batchnorm.js';
import { add, relu } from '../src/ops/elementwise.js';
import { crossEntropy } from '../src/ops/loss.js';
import { MATMUL_VARIANTS, linear } from '../src/ops/matmul.js';
import { SGD } from '../src/ops/optim.js';
import { globalAvgPool, maxPool2d } from '../src/ops/pool.js';
import { shortcutA } from '../src/ops/shortcut.js';
import { engine } from '../src/gpu/engine.js';
import { cachedChoice } from '../src/gpu/tuner.js';
import { Tensor, tidy } from '../src/tensor.js';
import { randomLabels, randomTensor } from './inputs.js';
import { trainStepCases } from './train-step-cases.js';
import { ACTIVATIONS, BATCH, CONV_SHAPES, LINEAR_SHAPES, numel, resnet32ParamShapes, shapeLabel, type ConvShape, type Net } from './shapes.js';

/** Inputs made, and the function that records one run of the kernel on them. */
export interface Prepared {
  record(): void;
  release(): void;
}

export interface BenchCase {
  kernel: string;
  net: Net | '-';
  shape: string;
  variant: string;
  /** One run's FLOPs (compute-bound: judged against the matmul ceiling)… */
  flops?: number;
  /** …or the bytes it must at least read and write (memory-bound: judged against the copy ceiling). */
  bytes?: number;
  /** Records the op as a model does, so the tuner sees the shape (one function per shape)… */
  touch?: () => void;
  /** …and, once tuned, the variant the tuner picks for this kernel and shape. */
  tunerPick?: () => string | undefined;
  /** A lab variant: timed here, never tuned over in training. */
  lab?: boolean;
  /** Part of `--quick`. */
  quick?: boolean;
  /** At least this many timed reps, whatever the time budget (slow, noisy cases such as whole steps). */
  minReps?: number;
  /** Makes the inputs. */
  prepare: () => Prepared;
}

const F32 = 4;

function forwardOf(inputs: Tensor[], op: (xs: Tensor[]) => Tensor): Prepared {
  return { record: () => tidy(() => void op(inputs)), release: () => inputs.forEach((t) => t.dispose()) };
}

/**
 * Records `op` once with the tape on, then each run records only the backward kernels that the
 * gradients of `wanted` need (the node's `needs`, as backward() would pass them).
 */
function gradOf(inputs: Tensor[], wanted: Tensor[], op: (xs: Tensor[]) => Tensor): Prepared {
  for (const t of wanted) t.requiresGrad = true;
  const out = op(inputs);
  const node = out.node;
  if (!node) throw new Error(`no gradient recorded for ${out.shape}`);
  const g = randomTensor(out.shape, 7);
  const needs = node.parents.map((p) => wanted.includes(p));
  // Tensors the op saved for its backward are not reachable from here; they stay allocated.
  return { record: () => tidy(() => void node.backward(g, needs)), release: () => [...inputs, out, g].forEach((t) => t.dispose()) };
}

/** Input shape, output channels and stride: the same label for our rows and the TF.js peer's. */
export const convShapeLabel = (s: ConvShape): string => `${shapeLabel(s.x)} → ${s.w[0]}${s.stride > 1 ? ` s${s.stride}` : ''}`;

/** Records conv2d forward and both gradients once, as a model step does, leaving nothing allocated. */
function touchConv(s: ConvShape): void {
  tidy(() => {
    const x = Tensor.zeros(s.x);
    const w = Tensor.zeros(s.w);
    x.requiresGrad = w.requiresGrad = true;
    const y = conv2d(x, w, null, { stride: s.stride, padding: s.pad });
    y.node!.backward(Tensor.zeros(y.shape), [true, true]);
  });
}

function convCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const s of CONV_SHAPES) {
    const g = convGeometry(s.x, s.w, s.stride, s.pad);
    const touch = () => touchConv(s);
    for (const pass of CONV_PASSES) {
      for (const variant of convVariants(pass, g)) {
        cases.push({
          kernel: `conv2d.${pass}`,
          net: s.net,
          shape: convShapeLabel(s),
          variant,
          lab: CONV_KERNELS[pass][variant].lab,
          flops: convFlops(g),
          touch,
          tunerPick: () => cachedChoice(`conv2d.${pass}`, geometryKey(g))?.variant,
          quick: s.x[1] === 32 && s.w[0] === 32,
          prepare: () => {
            const [a, b] = convPassShapes(pass, g).map((sh, k) => randomTensor(sh, k + 1));
            return { record: () => tidy(() => void runConvPass(pass, variant, g, a, b)), release: () => [a, b].forEach((t) => t.dispose()) };
          },
        });
      }
    }
  }
  return cases;
}

type LinearPass = 'fwd' | 'dx' | 'dw';

/** Kernel labels dispatched while `fn` records (engine().stats counts them per label). */
function labelsRecordedBy(fn: () => void): string[] {
  const before = new Map(engine().stats.dispatchesByKernel);
  fn();
  return [...engine().stats.dispatchesByKernel].filter(([label, n]) => n > (before.get(label) ?? 0)).map(([label]) => label);
}

/**
 * Records linear with the variant left to the tuner (every pass when `pass` is absent, as a
 * training step does) and returns the matmul variant that `pass` ran.
 */
function linearWithTuner(l: { in: number; out: number }, pass?: LinearPass): string | undefined {
  return tidy(() => {
    const [x, w, b] = [[BATCH, l.in], [l.out, l.in], [l.out]].map((sh) => Tensor.zeros(sh));
    x.requiresGrad = w.requiresGrad = b.requiresGrad = true;
    let y: Tensor | null = null;
    const fwd = labelsRecordedBy(() => (y = linear(x, w, b)));
    const needs = pass === 'dx' ? [true, false, false] : pass === 'dw' ? [false, true, false] : [true, true, true];
    const bwd = labelsRecordedBy(() => y!.node!.backward(Tensor.zeros(y!.shape), needs));
    const labels = pass === 'fwd' ? fwd : bwd;
    return MATMUL_VARIANTS.find((v) => labels.some((label) => label.startsWith(`matmul.${v}(`)));
  });
}

function linearCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const l of LINEAR_SHAPES) {
    const flops = 2 * BATCH * l.in * l.out;
    const shape = `${BATCH}×${l.in} → ${l.out}`;
    const make = () => [randomTensor([BATCH, l.in], 1), randomTensor([l.out, l.in], 2), randomTensor([l.out], 3)];
    const touch = () => void linearWithTuner(l);
    for (const variant of MATMUL_VARIANTS) {
      const op = ([x, w, b]: Tensor[]) => linear(x, w, b, variant);
      const common = { net: l.net, shape, variant, flops, quick: l.in === 3136, touch };
      const pick = (pass: LinearPass) => () => linearWithTuner(l, pass);
      cases.push(
        { ...common, kernel: 'linear.fwd', tunerPick: pick('fwd'), prepare: () => forwardOf(make(), op) },
        { ...common, kernel: 'linear.dx', tunerPick: pick('dx'), prepare: () => { const xs = make(); return gradOf(xs, [xs[0]], op); } },
        { ...common, kernel: 'linear.dw', tunerPick: pick('dw'), prepare: () => { const xs = make(); return gradOf(xs, [xs[1], xs[2]], op); } },
      );
    }
  }
  return cases;
}

function batchNormCases(): BenchCase[] {
  return ACTIVATIONS.flatMap(({ net, shape }, i) => {
    const [n, c, h, w] = shape;
    const size = numel(shape) * F32;
    const make = () => [randomTensor(shape, 1), randomTensor([c], 2), randomTensor([c], 3), Tensor.zeros([c]), Tensor.full([c], 1)];
    const touch = () => tidy(() => void forwardOf(make(), ([x, wt, b, rm, rv]) => batchNorm2d(x, wt, b, rm, rv, { training: true })).record());
    return BATCHNORM_VARIANTS.flatMap((variant) => {
      const op = ([x, wt, b, rm, rv]: Tensor[]) => batchNorm2d(x, wt, b, rm, rv, { training: true, variant });
      // The variants differ in the elementwise kernels' dispatch shape; the tuner keys them by N×C×HW.
      const tunerPick = () => cachedChoice('batchnorm.elementwise', `${n}x${c}x${h * w}`)?.variant;
      const common = { net, shape: shapeLabel(shape), variant, quick: i === 0, touch, tunerPick };
      return [
        { ...common, kernel: 'batchnorm.fwd', bytes: 2 * size, prepare: () => forwardOf(make(), op) },
        { ...common, kernel: 'batchnorm.bwd', bytes: 3 * size, prepare: () => { const xs = make(); return gradOf(xs, xs.slice(0, 3), op); } },
      ];
    });
  });
}

function elementwiseCases(): BenchCase[] {
  return ACTIVATIONS.flatMap(({ net, shape }, i) => {
    const size = numel(shape) * F32;
    const common = { net, shape: shapeLabel(shape), variant: '-', quick: i === 0 };
    const one = () => [randomTensor(shape, 1)];
    const two = () => [randomTensor(shape, 1), randomTensor(shape, 2)];
    return [
      { ...common, kernel: 'relu.fwd', bytes: 2 * size, prepare: () => forwardOf(one(), ([x]) => relu(x)) },
      { ...common, kernel: 'relu.bwd', bytes: 3 * size, prepare: () => { const xs = one(); return gradOf(xs, xs, ([x]) => relu(x)); } },
      { ...common, kernel: 'add.fwd', bytes: 3 * size, prepare: () => forwardOf(two(), ([a, b]) => add(a, b)) },
    ];
  });
}

function poolCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of [[BATCH, 32, 28, 28], [BATCH, 64, 14, 14]]) {
    // Reads the input, writes a quarter of it (backward: the reverse).
    const bytes = 1.25 * numel(shape) * F32;
    const common = { net: 'fmnist' as const, shape: shapeLabel(shape), variant: '-', bytes, quick: shape[1] === 32 };
    const make = () => [randomTensor(shape, 1)];
    const op = ([x]: Tensor[]) => maxPool2d(x);
    cases.push(
      { ...common, kernel: 'maxpool.fwd', prepare: () => forwardOf(make(), op) },
      { ...common, kernel: 'maxpool.bwd', prepare: () => { const xs = make(); return gradOf(xs, xs, op); } },
    );
  }
  const shape = [BATCH, 64, 8, 8];
  const common = { net: 'resnet32' as const, shape: shapeLabel(shape), variant: '-', bytes: numel(shape) * F32, quick: true };
  const make = () => [randomTensor(shape, 1)];
  const op = ([x]: Tensor[]) => globalAvgPool(x);
  cases.push(
    { ...common, kernel: 'globalavgpool.fwd', prepare: () => forwardOf(make(), op) },
    { ...common, kernel: 'globalavgpool.bwd', prepare: () => { const xs = make(); return gradOf(xs, xs, op); } },
  );
  return cases;
}

function shortcutCases(): BenchCase[] {
  return [[BATCH, 16, 32, 32], [BATCH, 32, 16, 16]].flatMap((shape) => {
    const out = 2 * shape[1];
    // Reads every other pixel of every other row, writes twice the channels at a quarter of the pixels.
    const bytes = (numel(shape) / 4) * 3 * F32;
    const common = { net: 'resnet32' as const, shape: `${shapeLabel(shape)} → ${out}ch`, variant: '-', bytes, quick: shape[1] === 16 };
    const op = ([x]: Tensor[]) => shortcutA(x, out);
    const make = () => [randomTensor(shape, 1)];
    return [
      { ...common, kernel: 'shortcutA.fwd', prepare: () => forwardOf(make(), op) },
      { ...common, kernel: 'shortcutA.bwd', prepare: () => { const xs = make(); return gradOf(xs, xs, op); } },
    ];
  });
}

function lossCases(): BenchCase[] {
  const classes = 10;
  const make = () => [randomTensor([BATCH, classes], 1), randomLabels(BATCH, classes, 2)];
  const op = ([logits, labels]: Tensor[]) => crossEntropy(logits, labels);
  const common = { net: '-' as const, shape: `${BATCH}×${classes}`, variant: '-', bytes: BATCH * classes * F32, quick: true };
  return [
    { ...common, kernel: 'softmax_ce.fwd', prepare: () => forwardOf(make(), op) },
    { ...common, kernel: 'softmax_ce.bwd', prepare: () => { const xs = make(); return gradOf(xs, [xs[0]], op); } },
  ];
}

function sgdCases(): BenchCase[] {
  const shapes = resnet32ParamShapes();
  const total = shapes.reduce((a, s) => a + numel(s), 0);
  return [{
    kernel: 'sgd.step',
    net: 'resnet32',
    shape: `${shapes.length} tensors, ${total} values`,
    variant: '-',
    // Reads parameter, gradient and momentum, writes parameter and momentum.
    bytes: 5 * total * F32,
    quick: true,
    prepare: () => {
      const params = shapes.map((s, k) => {
        const p = randomTensor(s, 10 + k);
        p.requiresGrad = true;
        p.grad = randomTensor(s, 100 + k);
        return p;
      });
      const sgd = new SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 2e-4 });
      const release = () => {
        sgd.dispose();
        params.forEach((p) => { p.grad?.dispose(); p.dispose(); });
      };
      return { record: () => sgd.step(), release };
    },
  }];
}

export function allCases(): BenchCase[] {
  return [...convCases(), ...linearCases(), ...batchNormCases(), ...poolCases(), ...shortcutCases(), ...lossCases(), ...sgdCases(), ...elementwiseCases(), ...trainStepCases()];
}
