// AEGL's step: the attack raises the loss, asks for ∂L/∂x only, marks GAEs as each protocol says,
// and on a synthetic 2-D long-tailed problem the fine-tune raises tail accuracy over its CE start.
import { describe, expect, it } from 'vitest';
import { backward } from '../src/autograd.js';
import { GpuDataset } from '../src/data/gpu-dataset.js';
import { engine } from '../src/gpu/engine.js';
import { Linear } from '../src/nn/layers.js';
import { InitRng } from '../src/nn/init.js';
import { FashionCnn } from '../src/nn/models/fmnist-cnn.js';
import { Module } from '../src/nn/module.js';
import { relu } from '../src/ops/elementwise.js';
import { SGD } from '../src/ops/optim.js';
import { reshape } from '../src/ops/shape.js';
import { Aegl, ATTACK_ROWS_STEP } from '../src/train/loop/aegl.js';
import { resolveSettings, withTailFrom, type TrainFlags } from '../src/train/loop/config.js';
import { classCounts } from '../src/train/loop/evaluate.js';
import { Objective } from '../src/train/loop/objective.js';
import { trainStep } from '../src/train/loop/step.js';
import type { Tensor } from '../src/tensor.js';
import { tidy } from '../src/tensor.js';
import { randomArray, useEngine } from './helpers/gpu.js';

useEngine();

/** Points of class c around centres[c] (Gaussian, clipped to [0, 1]), stored as 1×1×2 "images". */
function blobs(perClass: number[], centres: [number, number][], std: number, seed: number) {
  const n = perClass.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(2 * n);
  const labels = new Uint8Array(n);
  const u = randomArray(4 * n, seed, 1e-9, 1);
  let i = 0;
  perClass.forEach((count, c) => {
    for (let k = 0; k < count; k++, i++) {
      const r = Math.sqrt(-2 * Math.log(u[4 * i]));
      const g = [r * Math.cos(2 * Math.PI * u[4 * i + 1]), r * Math.sin(2 * Math.PI * u[4 * i + 1])];
      for (let d = 0; d < 2; d++) images[2 * i + d] = Math.round(255 * Math.min(1, Math.max(0, centres[c][d] + std * g[d])));
      labels[i] = c;
    }
  });
  return { images, labels };
}

class Mlp extends Module {
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  constructor(classes: number, seed: number) {
    super();
    const rng = new InitRng(seed);
    this.fc1 = this.child('fc1', new Linear(rng, 2, 32));
    this.fc2 = this.child('fc2', new Linear(rng, 32, classes));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.fc1.forward(reshape(x, [x.shape[0], 2]))));
  }
}

const shape = { channels: 1, height: 1, width: 2 };

function settingsFor(flags: TrainFlags, classes: number) {
  return withTailFrom(resolveSettings({ dataset: 'fmnist', method: 'aegl', ...flags }), classes);
}

/** One epoch of SGD with the base CE loss, plus AEGL's GAE term when `aegl` is given. */
function epoch(e: number, model: Module, data: GpuDataset, objective: Objective, sgd: SGD, aegl: Aegl | null, batch: number): void {
  const order = data.startEpoch(e);
  aegl?.startEpoch(e, order, batch);
  for (let k = 0; k < data.numBatches(batch); k++) {
    tidy(() => void trainStep({ model, objective, sgd, aegl }, data.batch(k, batch, { augment: false }), k));
    engine().flush();
  }
}

describe('AEGL', () => {
  const train = blobs([600, 30], [[0.42, 0.5], [0.58, 0.5]], 0.07, 11);
  const test = blobs([300, 300], [[0.42, 0.5], [0.58, 0.5]], 0.07, 12);
  const counts = [600, 30];

  it('the fine-tune raises tail-class accuracy over the CE model it starts from (2-D, seed 5)', async () => {
    const data = GpuDataset.upload(train, shape, { seed: 5 });
    const testData = GpuDataset.upload(test, shape);
    const model = new Mlp(2, 5);
    const objective = new Objective('ce', counts, 1000);
    const sgd = new SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
    for (let e = 0; e < 40; e++) epoch(e, model, data, objective, sgd, null, 64);
    const ce = await classCounts(model, testData, 2, 256);
    const s = settingsFor({ eps: 0.06, alpha: 0.02, steps: 3, seed: 5 }, 2);
    const aegl = new Aegl(s, train.labels, 2);
    sgd.lr = 0.05;
    for (let e = 40; e < 50; e++) epoch(e, model, data, objective, sgd, aegl, 64);
    const after = await classCounts(model, testData, 2, 256);
    const tailAcc = (c: number[]) => c[2] / c[3];
    expect(tailAcc(after), `tail accuracy CE ${tailAcc(ce)} → AEGL ${tailAcc(after)}`).toBeGreaterThan(tailAcc(ce) + 0.02);
  });

  it('the attack raises the loss on tail examples and runs no weight-gradient kernel', async () => {
    const n = 16;
    const images = Uint8Array.from(randomArray(n * 144, 3, 0, 255), Math.floor);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const data = GpuDataset.upload({ images, labels }, { channels: 1, height: 12, width: 12 }, { seed: 1 });
    const model = new FashionCnn({ numClasses: 10, size: 12, seed: 2 });
    const objective = new Objective('ce', Array(10).fill(10), 1000);
    const s = settingsFor({ steps: 3, eps: 8 / 255, alpha: 2 / 255 }, 10);
    const aegl = new Aegl(s, labels, 10);
    aegl.startEpoch(0, data.startEpoch(0), n);
    const before = new Map(engine().stats.dispatchesByKernel);
    const { clean, adv } = tidy(() => {
      const { x, y } = data.batch(0, n, { augment: false });
      const a = aegl.attack(0, model, x, y)!;
      model.eval();
      return { clean: objective.loss(model.forward(a.xClean), a.yTail), adv: objective.loss(model.forward(a.xAdv), a.yTail) };
    });
    const ran = [...engine().stats.dispatchesByKernel].filter(([k, v]) => (before.get(k) ?? 0) !== v).map(([k]) => k);
    expect(ran.some((k) => k.includes('dgrad'))).toBe(true);
    expect(ran.filter((k) => /wgrad|sum_splits|bias_grad|sgd|batchnorm\.reduce/.test(k))).toEqual([]);
    expect(await adv.item()).toBeGreaterThan(await clean.item());
  });

  it('official protocol: final iterate not evaluated, batch norm left in eval mode', () => {
    const n = 10;
    const images = Uint8Array.from(randomArray(n * 144, 4, 0, 255), Math.floor);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const data = GpuDataset.upload({ images, labels }, { channels: 1, height: 12, width: 12 }, { seed: 1 });
    const model = new FashionCnn({ numClasses: 10, size: 12, seed: 2 });
    const objective = new Objective('ce', Array(10).fill(10), 1000);
    for (const protocol of ['default', 'official'] as const) {
      const s = settingsFor({ protocol, steps: 4 }, 10);
      expect(s.tailFrom).toBe(5);
      const aegl = new Aegl(s, labels, 10);
      aegl.startEpoch(0, data.startEpoch(0), n);
      model.train();
      const marks = () => [...engine().stats.dispatchesByKernel].filter(([k]) => k.startsWith('attack.gae_mark')).reduce((a, [, v]) => a + v, 0);
      const m0 = marks();
      tidy(() => {
        const { x, y } = data.batch(0, n, { augment: false });
        aegl.loss(0, model, objective, x, y);
      });
      expect(marks() - m0, protocol).toBe(protocol === 'official' ? 4 : 5);
      expect(model.training, protocol).toBe(protocol === 'default');
    }
    expect(settingsFor({ protocol: 'official' }, 10).steps).toBe(8);
  });

  it('batch norm statistics: official updates them on each epoch\'s first batch only (clean loss before the attack), the default on every batch', async () => {
    const n = 10;
    const images = Uint8Array.from(randomArray(3 * n * 144, 6, 0, 255), Math.floor);
    // Every example a tail one, so each batch attacks the same number of rows (no new kernel shapes).
    const labels = Uint8Array.from({ length: 3 * n }, (_, i) => 5 + (i % 5));
    const data = GpuDataset.upload({ images, labels }, { channels: 1, height: 12, width: 12 }, { seed: 1 });
    const objective = new Objective('ce', Array(10).fill(10), 1000);
    const runningMeans = async (m: Module) => {
      const values: number[] = [];
      for (const [name, t] of m.namedState()) if (name.endsWith('running_mean')) values.push(...(await t.read()));
      return values;
    };
    for (const protocol of ['default', 'official'] as const) {
      const model = new FashionCnn({ numClasses: 10, size: 12, seed: 2 });
      const aegl = new Aegl(settingsFor({ protocol, steps: 1 }, 10), labels, 10);
      const changed: boolean[] = [];
      for (const epoch of [0, 1]) {
        aegl.startEpoch(epoch, data.startEpoch(epoch), n);
        model.train(); // as the trainer (and train_adv.py) at each epoch's start
        for (let k = 0; k < 3; k++) {
          const before = await runningMeans(model);
          tidy(() => {
            const { x, y } = data.batch(k, n, { augment: false });
            backward(aegl.loss(k, model, objective, x, y));
          });
          changed.push((await runningMeans(model)).some((v, j) => v !== before[j]));
        }
      }
      expect(changed, protocol).toEqual(protocol === 'official' ? [true, false, false, true, false, false] : Array(6).fill(true));
      aegl.dispose();
    }
    data.dispose();
  });

  describe("the attacked rows' buffers", () => {
    const n = 16;
    const batches = 32;
    const images = Uint8Array.from(randomArray(batches * n * 144, 7, 0, 255), Math.floor);
    // A quarter tail examples (classes ≥ 5): shuffled batches of 16 hold 0–9 of them.
    const labels = Uint8Array.from({ length: batches * n }, (_, i) => (i % 4 === 0 ? 5 + (i % 5) : i % 5));
    const objective = new Objective('ce', Array(10).fill(10), 1000);
    const setup = (rowsStep?: number, steps = 2) => {
      const data = GpuDataset.upload({ images, labels }, { channels: 1, height: 12, width: 12 }, { seed: 1 });
      const model = new FashionCnn({ numClasses: 10, size: 12, seed: 2 });
      model.train();
      const aegl = new Aegl(settingsFor({ steps, eps: 8 / 255, alpha: 2 / 255 }, 10), labels, 10, rowsStep);
      aegl.startEpoch(0, data.startEpoch(0), n);
      const dispose = () => {
        aegl.dispose();
        data.dispose();
      };
      return { data, model, aegl, dispose };
    };
    /** One training step on batch k as trainStep records it (gradients for the parameters only). */
    const aeglStep = (data: GpuDataset, model: Module, aegl: Aegl, k: number) =>
      tidy(() => {
        const { x, y } = data.batch(k, n, { augment: false });
        aegl.sizedForStep(k, n, () => backward(aegl.loss(k, model, objective, x, y), { inputs: model.parameters() }));
      });

    it('sized for 8 rows or exactly, the step computes the same loss, gradients and GAEs', async () => {
      const run = async (rowsStep: number) => {
        const { data, model, aegl, dispose } = setup(rowsStep);
        const k = [...Array(batches).keys()].find((b) => aegl.tailCount(b) % 8 > 1)!;
        const out = tidy(() => {
          const { x, y } = data.batch(k, n, { augment: false });
          return aegl.sizedForStep(k, n, () => {
            const loss = aegl.loss(k, model, objective, x, y);
            const params = model.parameters();
            const grads = backward(loss, { inputs: params });
            return [loss, ...params.map((p) => grads.get(p)!)];
          });
        });
        const values = await Promise.all(out.map((t) => t.read()));
        const counts = Array.from(await aegl.counts.read());
        dispose();
        return { values, counts };
      };
      const exact = await run(1);
      const sized = await run(8);
      expect(sized.counts).toEqual(exact.counts);
      sized.values.forEach((v, i) => expect(v, i ? `parameter ${i - 1}` : 'loss').toEqual(exact.values[i]));
    });

    it('creates no buffer and builds no pipeline for another tail count in the same size step', () => {
      const { data, model, aegl, dispose } = setup(undefined, 1);
      const inFirstStep = [...Array(batches).keys()].filter((k) => aegl.tailCount(k) >= 1 && aegl.tailCount(k) <= ATTACK_ROWS_STEP);
      const step = (k: number) => aeglStep(data, model, aegl, k);
      step(inFirstStep[0]);
      const built = engine().kernels.pipelinesBuilt;
      const created = engine().pool.created;
      for (const k of inFirstStep.slice(1)) step(k);
      expect(new Set(inFirstStep.map((k) => aegl.tailCount(k))).size).toBeGreaterThanOrEqual(4);
      expect(engine().kernels.pipelinesBuilt).toBe(built);
      expect(engine().pool.created).toBe(created);
      dispose();
    });

    it('builds no new pipeline for an unseen batch size: kernels take the batch from their bindings', () => {
      // Exact buffers: attacked batches of 5–8 rows and training batches of 21–24, each size new.
      const { data, model, aegl, dispose } = setup(1, 1);
      const counts = [...Array(batches).keys()].filter((k) => aegl.tailCount(k) >= 5 && aegl.tailCount(k) <= 8);
      const step = (k: number) => aeglStep(data, model, aegl, k);
      step(counts[0]);
      const built = engine().kernels.pipelinesBuilt;
      const seen = new Set([aegl.tailCount(counts[0])]);
      for (const k of counts.filter((b) => !seen.has(aegl.tailCount(b)))) {
        seen.add(aegl.tailCount(k));
        step(k);
      }
      expect(seen.size).toBeGreaterThanOrEqual(3);
      expect(engine().kernels.pipelinesBuilt).toBe(built);
      dispose();
    });

    it("the weight gradients of the batch with its tail rows run the batch's own pipelines", () => {
      const { data, model, aegl, dispose } = setup(undefined, 1);
      const k = [...Array(batches).keys()].find((b) => aegl.tailCount(b) > 0)!;
      const wgradLabels = (step: () => void) => {
        const before = new Map(engine().stats.dispatchesByKernel);
        step();
        return [...engine().stats.dispatchesByKernel].filter(([l, v]) => /wgrad/.test(l) && v !== before.get(l)).map(([l]) => l);
      };
      const ce = wgradLabels(() =>
        tidy(() => {
          const { x, y } = data.batch(k, n, { augment: false });
          backward(objective.loss(model.forward(x), y), { inputs: model.parameters() });
        }),
      );
      const withTail = wgradLabels(() => aeglStep(data, model, aegl, k));
      expect(ce.length).toBeGreaterThan(0);
      expect(withTail.sort()).toEqual(ce.sort());
      dispose();
    });

    it("attacks the tail rows only, and returns each PGD step's activations to the pool before the next step", () => {
      const liveAfterAttack = (steps: number) => {
        const { data, model, aegl, dispose } = setup(undefined, steps);
        const k = [...Array(batches).keys()].find((b) => aegl.tailCount(b) > 0)!;
        let live = 0;
        tidy(() => {
          const { x, y } = data.batch(k, n, { augment: false });
          const before = engine().pool.bytesLive;
          expect(aegl.attack(k, model, x, y)!.xAdv.shape[0]).toBe(aegl.tailCount(k));
          live = engine().pool.bytesLive - before;
        });
        dispose();
        return live;
      };
      // Only the attacked rows, their labels, the GAE mark and the final iterate outlive the attack.
      expect(liveAfterAttack(5)).toBe(liveAfterAttack(1));
    });
  });
});
