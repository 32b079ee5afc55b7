// Whole training steps at batch 128: a CE step of each model, and an AEGL step (NS = 3) on a
// batch with 9 tail examples, the share of tail images in Fashion-MNIST-LT and CIFAR-10-LT at
// ρ = 0.01 (7.2 %). images/s = 128 / ms; the AEGL row against the CE row is AEGL's step cost.
import { GpuDataset } from '../src/data/gpu-dataset.js';
import { FashionCnn } from '../src/nn/models/fmnist-cnn.js';
import { ResNet32 } from '../src/nn/models/resnet32.js';
import type { Module } from '../src/nn/module.js';
import { SGD } from '../src/ops/optim.js';
import { Aegl } from '../src/train/loop/aegl.js';
import { resolveSettings, withTailFrom } from '../src/train/loop/config.js';
import { Objective } from '../src/train/loop/objective.js';
import { trainStep } from '../src/train/loop/step.js';
import { tidy } from '../src/tensor.js';
import type { BenchCase } from './cases.js';
import { BATCH, CONV_SHAPES, LINEAR_SHAPES, type Net } from './shapes.js';

const TAIL_IN_BATCH = 9;

/** Forward FLOPs of one batch: every conv (counted per use) and linear layer. */
function forwardFlops(net: Net): number {
  // How often each distinct conv of bench/shapes.ts occurs in the model, in CONV_SHAPES order.
  const uses: Record<Net, number[]> = { resnet32: [1, 10, 1, 9, 1, 9, 0, 0], fmnist: [0, 0, 0, 0, 0, 0, 1, 1] };
  const conv = CONV_SHAPES.reduce((sum, s, i) => {
    const out = (s.x[2] + 2 * s.pad - 3) / s.stride + 1;
    return sum + uses[net][i] * 2 * s.x[0] * s.w[0] * out * out * s.w[1] * 9;
  }, 0);
  const linear = LINEAR_SHAPES.filter((l) => l.net === net).reduce((sum, l) => sum + 2 * BATCH * l.in * l.out, 0);
  return conv + linear;
}

function stepCase(net: Net, method: 'ce' | 'aegl'): BenchCase {
  const side = net === 'resnet32' ? 32 : 28;
  const channels = net === 'resnet32' ? 3 : 1;
  return {
    kernel: `train.${method}-step`,
    net,
    shape: `batch ${BATCH}${method === 'aegl' ? `, ${TAIL_IN_BATCH} tail, NS 3` : ''}`,
    variant: '-',
    // Forward, input gradient and weight gradient: three times the forward (the attack's extra
    // passes are AEGL's overhead, not counted as useful work).
    flops: 3 * forwardFlops(net),
    quick: true,
    // A ResNet-32 step takes seconds: the 400 ms budget alone would time 3 reps, too few to compare steps.
    minReps: 5,
    prepare: () => {
      const labels = Uint8Array.from({ length: BATCH }, (_, i) => (i < TAIL_IN_BATCH ? 5 + (i % 5) : i % 5));
      const images = Uint8Array.from({ length: BATCH * channels * side * side }, (_, i) => (i * 2654435761) >>> 24);
      const data = GpuDataset.upload({ images, labels }, { channels, height: side, width: side });
      const model: Module = net === 'resnet32' ? new ResNet32({ numClasses: 10 }) : new FashionCnn({ numClasses: 10 });
      const objective = new Objective('ce', Array(10).fill(100), 1000);
      const sgd = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 2e-4 });
      const aegl = method === 'aegl' ? new Aegl(withTailFrom(resolveSettings({ method: 'aegl' }), 10), labels, 10) : null;
      const order = data.startEpoch(0);
      aegl?.startEpoch(0, order, BATCH);
      const record = () => tidy(() => void trainStep({ model, objective, sgd, aegl }, data.batch(0, BATCH, { augment: false }), 0));
      const release = () => {
        for (const [, t] of model.namedState()) t.dispose();
        sgd.dispose();
        aegl?.dispose();
        objective.dispose();
        data.dispose();
      };
      return { record, release };
    },
  };
}

export function trainStepCases(): BenchCase[] {
  return (['fmnist', 'resnet32'] as const).flatMap((net) => [stepCase(net, 'ce'), stepCase(net, 'aegl')]);
}
