// One SGD step of each model on the GPU against the same step in float64 on the CPU (reference
// ops on a CPU tape): the loss, and every parameter's update.
import { describe, expect, it, vi } from 'vitest';
import { FashionCnn } from '../src/nn/models/fmnist-cnn.js';
import { ResNet32 } from '../src/nn/models/resnet32.js';
import type { Module } from '../src/nn/module.js';
import { SGD } from '../src/ops/optim.js';
import { Objective } from '../src/train/loop/objective.js';
import { trainStep } from '../src/train/loop/step.js';
import { Tensor, tidy } from '../src/tensor.js';
import { freshSeed, randomArray, relError, useEngine } from './helpers/gpu.js';
import * as ce from './reference/loss.js';
import { fashionCnn, paramsFrom, resnet32, type Params, type ReluMasks } from './reference/models.js';
import { sgdSteps } from './reference/sgd.js';
import { apply, backwardRef, leaf, type RefValue } from './reference/tape.js';

// Every ReLU output of the GPU forward, in order, for the reference's backward (see ReluMasks):
// plain ReLUs and those fused into batch norm (a residual block's end among them).
const reluOutputs: Tensor[] = [];
const kept = (y: Tensor) => reluOutputs[reluOutputs.push(y) - 1];
vi.mock('../src/ops/elementwise.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/ops/elementwise.js')>();
  return { ...original, relu: (x: Tensor) => kept(original.relu(x)) };
});
vi.mock('../src/ops/batchnorm.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/ops/batchnorm.js')>();
  const batchNorm2d: typeof original.batchNorm2d = (x, w, b, mean, variance, options) => {
    const y = original.batchNorm2d(x, w, b, mean, variance, options);
    return options.relu ? kept(y) : y;
  };
  return { ...original, batchNorm2d };
});

useEngine();
const settings = { lr: 0.1, momentum: 0.9, weightDecay: 2e-4, nesterov: false };

async function snapshot(model: Module): Promise<[string, Float32Array, number[]][]> {
  const out: [string, Float32Array, number[]][] = [];
  for (const [name, t] of model.namedParameters()) out.push([name, (await t.read()) as Float32Array, [...t.shape]]);
  return out;
}

async function checkStep(model: Module, reference: (p: Params, x: RefValue, masks: ReluMasks) => RefValue, shape: number[], seed: number, tol: number) {
  const classes = 10;
  const x = Float32Array.from(randomArray(shape.reduce((a, b) => a * b, 1), seed, 0, 1));
  const labels = Array.from({ length: shape[0] }, (_, i) => (seed + 3 * i) % classes);
  const before = await snapshot(model);

  const sgd = new SGD(model.parameters(), settings);
  const objective = new Objective('ce', Array(classes).fill(1), 1000);
  reluOutputs.length = 0;
  const [loss, ...relus] = tidy(() => {
    const batch = { x: Tensor.from(x, shape), y: Tensor.from(labels, [labels.length], 'u32') };
    return [trainStep({ model, objective, sgd }, batch, 0), ...reluOutputs];
  });
  const gpuLoss = await loss.item();
  const after = await snapshot(model);
  const masks: Float32Array[] = [];
  for (const r of relus) {
    masks.push((await r.read()) as Float32Array);
    r.dispose();
  }

  const params = paramsFrom(before);
  const gpuRelus = masks.values();
  const logits = reference(params, leaf(x, shape), gpuRelus);
  expect(gpuRelus.next().done, 'the reference applies as many ReLUs as the GPU model').toBe(true);
  const k = { c: classes, labels };
  const refLoss = apply(ce.crossEntropy(k), ce.crossEntropyVjp(k), [logits], [1]);
  backwardRef(refLoss);
  expect(Math.abs(gpuLoss - refLoss.value[0]) / refLoss.value[0], `loss, seed ${seed}`).toBeLessThan(tol);
  before.forEach(([name, p0], i) => {
    const grad = params.get(name)!.grad!;
    const [want] = sgdSteps(Float64Array.from(p0), [grad], settings);
    const gotUpdate = after[i][1].map((v, j) => v - p0[j]);
    const wantUpdate = want.map((v, j) => v - p0[j]);
    expect(relError(gotUpdate, wantUpdate), `update of ${name}, seed ${seed}`).toBeLessThan(tol);
  });
  sgd.dispose();
  objective.dispose();
}

describe('one training step matches a float64 CPU reference of the same step', () => {
  it('Fashion-MNIST CNN, batch 3', async () => {
    const seed = freshSeed();
    await checkStep(new FashionCnn({ numClasses: 10, seed }), fashionCnn, [3, 1, 28, 28], seed, 1e-3);
  });

  it('ResNet-32, batch 2', async () => {
    const seed = freshSeed();
    const model = new ResNet32({ numClasses: 10, seed });
    expect(model.parameterCount()).toBe(464_154);
    // With the GPU's ReLU decisions (see ReluMasks) seeds land at 2e-5 to 4e-5; without them half
    // of all seeds saw a ReLU input flip sign and reached 3e-3 to 2e-2 (seeds 1004, 1006, 1553763055).
    await checkStep(model, resnet32, [2, 3, 32, 32], seed, 1e-3);
  });
});
