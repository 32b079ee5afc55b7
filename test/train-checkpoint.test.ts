// What a checkpoint carries for inference (its card) and how strictly eval, predict and --init
// load one: a --normalize model evaluated as it was trained, a DataParallel export accepted, and
// an unknown, missing, misshapen, mistyped or non-finite tensor refused naming the tensor.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { evaluateCheckpoint } from '../src/train/commands/eval.js';
import { predictImages } from '../src/train/commands/predict.js';
import { train } from '../src/train/commands/train.js';
import { cardFromMetadata } from '../src/train/run-io/model-card.js';
import { readSafetensors, writeSafetensors, type SafeTensor } from '../src/train/run-io/safetensors.js';
import { useEngine } from './helpers/gpu.js';
import { TINY_SIDE, writeTinyFashion } from './helpers/tiny-dataset.js';

useEngine();
const data = writeTinyFashion();
const runs = mkdtempSync(join(tmpdir(), 'aegl-ckpt-'));
const flags = { dataset: 'fmnist' as const, dataDir: data, imbalance: 0.25, epochs: 1, batchSize: 16, lr: 0.05, seed: 1 };
const quiet = { log: () => {} };

/** A copy of `from` with its tensors passed through `edit` (and its metadata through `meta`). */
function variant(from: string, name: string, edit: (ts: SafeTensor[]) => SafeTensor[], meta = (m: Record<string, string>) => m): string {
  const file = readSafetensors(from);
  const path = join(runs, `${name}.safetensors`);
  writeSafetensors(path, edit([...file.tensors.values()]), meta(file.metadata));
  return path;
}

describe('checkpoints for inference', () => {
  it('carry a card: dataset, classes, input shape, normalisation, model and head; eval of a --normalize model matches its run', async () => {
    const r = await train({ ...flags, normalize: true }, { out: join(runs, 'normalized'), ...quiet });
    for (const f of ['best', 'last', 'resume']) {
      const card = cardFromMetadata(f, readSafetensors(join(r.dir, `${f}.safetensors`)).metadata)!;
      expect(card).toMatchObject({ dataset: 'fmnist', model: 'cnn', head: 'linear', channels: 1, height: TINY_SIDE, width: TINY_SIDE });
      expect(card.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
      expect(card.normalize!.mean[0]).toBeGreaterThan(0.1);
      expect(card.normalize!.std[0]).toBeGreaterThan(0.1);
    }
    // The dataset comes from the card; the test images are normalised as in training.
    const ev = await evaluateCheckpoint({ checkpoint: join(r.dir, 'last.safetensors'), dataDir: data });
    expect(ev.top1).toBeCloseTo(r.last.top1, 6);
    // Without the card's normalisation the same weights see other inputs: evaluated as a bare export.
    const bare = variant(join(r.dir, 'last.safetensors'), 'bare', (ts) => ts, () => ({}));
    const unnormalized = await evaluateCheckpoint({ checkpoint: bare, dataDir: data });
    expect(unnormalized.top1).not.toBeCloseTo(r.last.top1, 6);
  });

  it('eval accepts a DataParallel export ("module." names, no card) and refuses a dataset of another shape', async () => {
    const r = await train(flags, { out: join(runs, 'plain'), ...quiet });
    const last = join(r.dir, 'last.safetensors');
    const parallel = variant(last, 'parallel', (ts) => ts.map((t) => ({ ...t, name: `module.${t.name}` })), () => ({}));
    expect((await evaluateCheckpoint({ checkpoint: parallel, dataset: 'fmnist', dataDir: data })).top1).toBeCloseTo(r.last.top1, 6);
    await expect(evaluateCheckpoint({ checkpoint: last, dataset: 'fmnist' })).rejects.toThrow(/plain\/last.safetensors was trained on fmnist \(10 classes, 1×12×12 images\); --dataset fmnist has 10 classes of 1×28×28 images/);
  });

  it('strict loading: an unknown, missing, misshapen, mistyped or non-finite tensor is refused by eval, predict and --init, naming it', async () => {
    const last = join(runs, 'plain', 'last.safetensors');
    const image = join(runs, 'grey.png');
    writeFileSync(image, pngjs.PNG.sync.write(Object.assign(new pngjs.PNG({ width: TINY_SIDE, height: TINY_SIDE }), { data: Buffer.alloc(TINY_SIDE * TINY_SIDE * 4, 128) })));
    expect((await predictImages([image], { checkpoint: last }))[0].top).toHaveLength(3);
    const cases: [string, (ts: SafeTensor[]) => SafeTensor[], RegExp][] = [
      ['extra', (ts) => [...ts, { name: 'fc3.weight', dtype: 'F32', shape: [2], data: new Float32Array(2) }], /unknown tensor "fc3.weight": not a parameter or buffer of this model/],
      ['missing', (ts) => ts.filter((t) => t.name !== 'bn1.running_var'), /no tensor "bn1.running_var"/],
      ['shape', (ts) => ts.map((t) => (t.name === 'fc2.bias' ? { ...t, shape: [5], data: new Float32Array(5) } : t)), /"fc2.bias" has shape \[5\], the model needs \[10\]/],
      ['dtype', (ts) => ts.map((t) => (t.name === 'fc2.bias' ? { ...t, dtype: 'F64', data: Float64Array.from(t.data as Float32Array) } : t)), /"fc2.bias" is F64, expected F32/],
      ['nan', (ts) => ts.map((t) => (t.name === 'conv1.weight' ? { ...t, data: (t.data as Float32Array).map(() => NaN) } : t)), /tensor "conv1.weight" holds NaN/],
      ['inf', (ts) => ts.map((t) => (t.name === 'bn1.running_var' ? { ...t, data: Float32Array.from(t.data as Float32Array, (v, i) => (i === 3 ? Infinity : v)) } : t)), /tensor "bn1.running_var" holds Infinity/],
    ];
    for (const [name, edit, message] of cases) {
      const path = variant(last, name, edit);
      await expect(evaluateCheckpoint({ checkpoint: path, dataDir: data }), name).rejects.toThrow(message);
      await expect(predictImages([image], { checkpoint: path }), name).rejects.toThrow(message);
      await expect(train({ ...flags, init: path }, { out: join(runs, `init-${name}`), ...quiet }), name).rejects.toThrow(message);
    }
  });
});
