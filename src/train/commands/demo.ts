// `aegl-gpu demo`: a 2 → 32 → 32 → 3 ReLU MLP learns three imbalanced Gaussian blobs (500 / 100 /
// 20 points) with full-batch SGD, printing loss and per-class accuracy as it goes. It exercises the
// whole core (linear, ReLU, fused cross-entropy, backward, SGD, GPU-side class counts) in seconds,
// and its pieces serve the engine's training tests.
import { backward, noGrad } from '../../autograd.js';
import { UserError } from '../../errors.js';
import { engine } from '../../gpu/engine.js';
import { relu } from '../../ops/elementwise.js';
import { crossEntropy } from '../../ops/loss.js';
import { linear } from '../../ops/matmul.js';
import { accumulateClassCounts } from '../../ops/metrics.js';
import { SGD } from '../../ops/optim.js';
import { randUniform } from '../../rng.js';
import { RngStream } from '../../rng-streams.js';
import { fillBits, Tensor, tidy } from '../../tensor.js';

/** Training points per class, head to tail. */
export const BLOB_COUNTS = [500, 100, 20];
const CENTRES = [[0, 2], [1.8, -1], [-1.8, -1]];
const SPREAD = 0.7;
const TEST_PER_CLASS = 200;

export interface Points {
  x: Float32Array; // [n, 2]
  y: Uint32Array; // [n]
}

/** `counts[c]` points around centre c, from the counter-based RNG at draws first, first + 1, … */
export function makeBlobs(counts: readonly number[], seed: number, first = 0): Points {
  const n = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(2 * n);
  const y = new Uint32Array(n);
  let draw = first;
  const uniform = () => randUniform(seed, RngStream.demoData, draw++);
  let i = 0;
  counts.forEach((count, c) => {
    for (let k = 0; k < count; k++, i++) {
      // Box–Muller; 1 − u keeps the log finite.
      const r = SPREAD * Math.sqrt(-2 * Math.log(1 - uniform()));
      const t = 2 * Math.PI * uniform();
      x[2 * i] = CENTRES[c][0] + r * Math.cos(t);
      x[2 * i + 1] = CENTRES[c][1] + r * Math.sin(t);
      y[i] = c;
    }
  });
  return { x, y };
}

/** Linear layers with ReLU between them, initialised like torch.nn.Linear: U(±1/√fan_in). */
export class Mlp {
  readonly params: Tensor[] = [];

  constructor(readonly sizes: readonly number[], seed: number) {
    let draw = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
      const bound = 1 / Math.sqrt(fanIn);
      const init = (n: number) => Array.from({ length: n }, () => bound * (2 * randUniform(seed, RngStream.init, draw++) - 1));
      for (const shape of [[fanOut, fanIn], [fanOut]]) {
        const p = Tensor.from(init(shape.reduce((a, b) => a * b, 1)), shape).keep();
        p.requiresGrad = true;
        this.params.push(p);
      }
    }
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (let l = 0; l < this.params.length; l += 2) {
      h = linear(h, this.params[l], this.params[l + 1]);
      if (l + 2 < this.params.length) h = relu(h);
    }
    return h;
  }

  dispose(): void {
    for (const p of this.params) p.dispose();
  }
}

/**
 * One training step recorded into the current command encoder: forward, cross-entropy, backward,
 * SGD, and this batch's per-class counts. Run it inside tidy() and flush once.
 */
export function trainStep(mlp: Mlp, opt: SGD, x: Tensor, y: Tensor, counts: Tensor): Tensor {
  opt.zeroGrad();
  const logits = mlp.forward(x);
  const loss = crossEntropy(logits, y);
  backward(loss);
  opt.step();
  accumulateClassCounts(logits, y, counts);
  return loss;
}

function accuracies(counts: Uint32Array | Float32Array): number[] {
  return Array.from({ length: counts.length / 2 }, (_, c) => counts[2 * c] / Math.max(1, counts[2 * c + 1]));
}

const percent = (acc: number[]) => acc.map((a, c) => `${c}: ${(100 * a).toFixed(1)}%`).join('  ');

export interface DemoOptions {
  steps?: number;
  seed?: number;
  lr?: number;
  /** Print every this many steps. */
  every?: number;
  log?: (line: string) => void;
}

export interface DemoResult {
  finalLoss: number;
  /** Per-class accuracy on a balanced test set from the same blobs. */
  testAccuracy: number[];
  seconds: number;
}

/** Trains the MLP on the blobs (the engine must be open) and returns its test accuracy per class. */
export async function runDemo({ steps = 300, seed = 0, lr = 0.1, every = 50, log = console.log }: DemoOptions = {}): Promise<DemoResult> {
  const classes = BLOB_COUNTS.length;
  const train = makeBlobs(BLOB_COUNTS, seed);
  const test = makeBlobs(BLOB_COUNTS.map(() => TEST_PER_CLASS), seed, 1 << 24);
  const x = Tensor.from(train.x, [train.y.length, 2]);
  const y = Tensor.from(train.y, [train.y.length], 'u32');
  const mlp = new Mlp([2, 32, 32, classes], seed);
  const opt = new SGD(mlp.params, { lr, momentum: 0.9 });
  const counts = Tensor.zeros([2 * classes], 'u32');
  log(`training a 2-32-32-${classes} MLP on ${BLOB_COUNTS.join(' / ')} points, full batch, ${steps} steps, lr ${lr}, seed ${seed}`);

  const start = performance.now();
  let finalLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    const loss = tidy(() => trainStep(mlp, opt, x, y, counts));
    engine().flush();
    if (step % every === 0 || step === steps) {
      finalLoss = await loss.item();
      const acc = accuracies(await counts.read());
      fillBits(counts, 0);
      log(`step ${String(step).padStart(4)}  loss ${finalLoss.toFixed(4)}  train accuracy per class  ${percent(acc)}`);
    }
    loss.dispose();
  }

  const testCounts = Tensor.zeros([2 * classes], 'u32');
  const xt = Tensor.from(test.x, [test.y.length, 2]);
  const yt = Tensor.from(test.y, [test.y.length], 'u32');
  noGrad(() => tidy(() => accumulateClassCounts(mlp.forward(xt), yt, testCounts)));
  const testAccuracy = accuracies(await testCounts.read());
  const seconds = (performance.now() - start) / 1000;
  log(`final test accuracy per class (${TEST_PER_CLASS} points each)  ${percent(testAccuracy)}  (${seconds.toFixed(2)} s)`);

  for (const t of [x, y, counts, testCounts, xt, yt]) t.dispose();
  opt.dispose();
  mlp.dispose();
  return { finalLoss, testAccuracy, seconds };
}

/** The demo command's flags (strings from the command line) → options; a bad value is a UserError. */
export function parseDemoFlags(flags: { steps?: string; seed?: string }): DemoOptions {
  const int = (name: string, value: string | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be an integer ≥ ${min} (got "${value}")`);
    return n;
  };
  return { steps: int('steps', flags.steps, 300, 1), seed: int('seed', flags.seed, 0, 0) };
}
