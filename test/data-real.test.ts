// The real datasets where this machine has them: Debian's Fashion-MNIST package and the
// project's CIFAR-10 copy beside the clone (../shared/data, see its README). Skipped, with the
// reason in the test name, when absent.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classCounts, type Dataset } from '../src/data/dataset.js';
import { epochOrder, GpuDataset } from '../src/data/gpu-dataset.js';
import { FASHION_MNIST_DIR, readFashionMnist } from '../src/data/idx.js';
import { readCifar10 } from '../src/data/cifar.js';
import { SHARED_CIFAR10_DIR } from '../src/data/load.js';
import { longTailSubset } from '../src/data/long-tail.js';
import { tidy } from '../src/tensor.js';
import { useEngine } from './helpers/gpu.js';
import { referenceBatch } from './reference/augment.js';

useEngine();

const hasFmnist = existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`) || existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte`);
const hasCifar = existsSync(`${SHARED_CIFAR10_DIR}/test_batch.bin.gz`) || existsSync(`${SHARED_CIFAR10_DIR}/test_batch.bin`);
// A plain loop: toEqual on arrays of 10⁵ floats would spend minutes printing a diff.
function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Number.isFinite(got[i]) ? Math.abs(got[i] - want[i]) : Infinity);
  return worst;
}

const skipNote = (has: boolean, why: string) => (has ? '' : ` (skipped: ${why})`);

describe('Fashion-MNIST from the Debian package', () => {
  it.skipIf(!hasFmnist)(`reads 60,000 + 10,000 images of 28×28, 6,000 per class; ρ = 0.01 keeps 14,886${skipNote(hasFmnist, `${FASHION_MNIST_DIR} absent: apt-get install dataset-fashion-mnist`)}`, () => {
    const d = readFashionMnist();
    expect([d.channels, d.height, d.width]).toEqual([1, 28, 28]);
    expect(classCounts(d.train, 10)).toEqual(Array(10).fill(6000));
    expect(classCounts(d.test, 10)).toEqual(Array(10).fill(1000));
    // The pixels are real images, not zeros: mean intensity of Fashion-MNIST is about 0.286.
    let total = 0;
    for (const v of d.train.images) total += v;
    const mean = total / d.train.images.length / 255;
    expect(mean).toBeCloseTo(0.286, 2);
    const s = longTailSubset(d.train.labels, 10, 0.01, 'exp', 0);
    expect(s.indices.length).toBe(14886);
  });
});

describe('CIFAR-10 from ../shared/data', () => {
  let d: Dataset;
  const load = () => (d ??= readCifar10(SHARED_CIFAR10_DIR));
  const why = skipNote(hasCifar, `${SHARED_CIFAR10_DIR} absent`);

  it.skipIf(!hasCifar)(`reads 50,000 + 10,000 images whose records match the README's SHA-256${why}`, () => {
    load();
    expect(d.classes).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(classCounts(d.train, 10)).toEqual(Array(10).fill(5000));
    // Labels run 0, 1, …, 9 round-robin in every file (README, "Record order").
    expect(d.train.labels.every((y, i) => y === i % 10)).toBe(true);
    // Re-assembling test_batch.bin from what the reader returned gives the file's published hash.
    const hash = createHash('sha256');
    for (let i = 0; i < d.test.labels.length; i++) {
      hash.update(Uint8Array.of(d.test.labels[i]));
      hash.update(d.test.images.subarray(i * 3072, (i + 1) * 3072));
    }
    expect(hash.digest('hex')).toBe('2696e48ae3fe74d50ecaacc0b8092b89bf95cd3f6471d079f4cbd39a956c18c3');
    expect(longTailSubset(d.train.labels, 10, 0.01, 'exp', 0).counts).toEqual([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
  });

  it.skipIf(!hasCifar)(`the full train split (153.6 MB) goes to the GPU in shards under the binding limit, batches match the reference${why}`, async () => {
    load();
    const shape = { channels: 3, height: 32, width: 32 };
    const augmentation = { cropPadding: 4, horizontalFlip: true };
    const data = GpuDataset.upload(d.train, shape, { seed: 0, augmentation });
    expect(data.numShards).toBe(2);
    // Batch 390 (the last, 80 examples) reads both shards; evaluation batch 399 only the second.
    data.startEpoch(5);
    const B = 128;
    const { x, y } = tidy(() => data.batch(390, B));
    const order = epochOrder(50000, 0, 5);
    const want = referenceBatch(d.train, shape, { sources: order.subarray(390 * B), seed: 0, drawBase: 5 * 50000 + 390 * B, augmentation });
    expect(Array.from(await y.read())).toEqual(Array.from(want.y));
    const got = await x.read();
    expect(got.length).toBe(80 * 3072);
    expect(maxAbsDiff(got, want.x)).toBeLessThan(1e-6);
    const ev = tidy(() => data.evalBatch(399, 125));
    const wantEval = referenceBatch(d.train, shape, { sources: Array.from({ length: 125 }, (_, i) => 49875 + i), seed: 0, drawBase: null, augmentation });
    expect(maxAbsDiff(await ev.x.read(), wantEval.x)).toBeLessThan(1e-6);
    data.dispose();
  });
});
