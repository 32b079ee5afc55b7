// Long-tailed training subsets exactly as Cao et al. (LDAM-DRW, IMBALANCECIFAR10):
// get_img_num_per_cls gives the per-class counts, gen_imbalanced_data keeps, per class, the
// first n_c images of a seeded shuffle: numpy's own shuffle ('numpy', the same images as LDAM-DRW)
// or our counter-based one ('own'). Class 0 is the most frequent; the test split is untouched.
// A validation split is then held out of the images the subset leaves unused. No I/O here (a
// page uses it too): subset files are subset-file.ts's.
import { UserError } from '../errors.js';
import { RngStream } from '../rng-streams.js';
import { randU32, seededPermutation } from '../rng.js';
import { imageBytes, labelArray, type ImageShape, type Split } from './dataset.js';
import { NumpyRandomState } from './numpy-random.js';

export type Profile = 'exp' | 'step';
export const SUBSET_RNGS = ['numpy', 'own'] as const;
export type SubsetRng = (typeof SUBSET_RNGS)[number];

/** numpy's for CIFAR (so CIFAR-LT is the literature's), ours elsewhere (Fashion-MNIST's subsets predate the numpy port). */
export function defaultSubsetRng(dataset: string): SubsetRng {
  return dataset === 'cifar10' || dataset === 'cifar100' ? 'numpy' : 'own';
}

/**
 * Images kept per class. exp: n_c = floor(n_max · ρ^(c/(C−1))); step: the first ⌊C/2⌋ classes
 * keep n_max, the others floor(n_max · ρ) (for odd C, Cao's zip() would drop the last class; we
 * give it the tail count instead).
 */
export function imgNumPerCls(nMax: number, numClasses: number, rho: number, profile: Profile): number[] {
  return Array.from({ length: numClasses }, (_, c) => {
    if (profile === 'step') return c < Math.floor(numClasses / 2) ? nMax : Math.floor(nMax * rho);
    return numClasses === 1 ? nMax : Math.floor(nMax * rho ** (c / (numClasses - 1)));
  });
}

export interface LongTailSubset {
  /** Record numbers in the full train split, class 0's first, each class in its shuffled order. */
  indices: Uint32Array;
  /** Images kept per class. */
  counts: number[];
}

/** Record numbers of each class, in file order. */
function byClass(labels: ArrayLike<number>, numClasses: number): number[][] {
  const lists: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) lists[labels[i]].push(i);
  return lists;
}

/**
 * The long-tailed subset of a train split. n_max is Cao's len(data)/C when every class has that
 * many images (CIFAR, Fashion-MNIST), else the smallest class's size, so every n_c exists.
 * 'numpy': `np.random.seed(seed)`, then per class in label order `np.random.shuffle` of the
 * class's record numbers, keep the first n_c — the draws of one generator run on across classes.
 * 'own': each class shuffled from its own counter-based seed.
 */
export function longTailSubset(labels: ArrayLike<number>, numClasses: number, rho: number, profile: Profile, seed: number, rng: SubsetRng = 'own'): LongTailSubset {
  if (!(rho > 0 && rho <= 1)) throw new UserError(`--imbalance ${rho}: must be in (0, 1] (n_min / n_max)`);
  const lists = byClass(labels, numClasses);
  const numpy = rng === 'numpy' ? new NumpyRandomState(seed) : null;
  // numpy: Cao's img_max = len(data) / C as it is, and `idx[:n_c]` keeps fewer when a class is short.
  const nMax = numpy ? labels.length / numClasses : Math.min(labels.length / numClasses, ...lists.map((l) => l.length));
  const counts = imgNumPerCls(nMax, numClasses, rho, profile).map((n, c) => Math.min(n, lists[c].length));
  const indices = new Uint32Array(counts.reduce((a, b) => a + b, 0));
  let at = 0;
  lists.forEach((list, c) => {
    if (numpy) numpy.shuffle(list);
    const perm = numpy ? null : seededPermutation(list.length, randU32(seed, RngStream.longTailSubset, c), RngStream.longTailSubset);
    for (let k = 0; k < counts[c]; k++) indices[at++] = perm ? list[perm[k]] : list[k];
  });
  return { indices, counts };
}

export interface ValidationSplit {
  /** The training subset less what the validation split took from it. */
  train: LongTailSubset;
  /** Held-out record numbers, class 0's first. */
  valIndices: Uint32Array;
  valCounts: number[];
}

/**
 * Holds out `perClass` images of each class for validation: drawn (seeded) from the class's
 * images the long-tail subset left unused; a class with fewer left over (the head class keeps
 * all of its images) gives the rest from the end of its kept list, which is in shuffled order.
 * Tail classes keep exactly their n_c. A class too small to give `perClass` and keep one image is refused.
 */
export function validationSplit(labels: ArrayLike<number>, numClasses: number, subset: LongTailSubset, perClass: number, seed: number): ValidationSplit {
  const kept = new Uint8Array(labels.length);
  for (const r of subset.indices) kept[r] = 1;
  const unused = byClass(labels, numClasses).map((list) => list.filter((r) => !kept[r]));
  const train: number[] = [];
  const val: number[] = [];
  const counts: number[] = [];
  let at = 0;
  subset.counts.forEach((n, c) => {
    const keptOfClass = Array.from(subset.indices.subarray(at, at + n));
    at += n;
    const perm = seededPermutation(unused[c].length, randU32(seed, RngStream.validationSplit, c), RngStream.validationSplit);
    const fromUnused = Math.min(perClass, unused[c].length);
    const fromKept = perClass - fromUnused;
    if (fromKept >= n) throw new UserError(`--val-per-class ${perClass}: class ${c} has only ${n + unused[c].length} training images`);
    for (let k = 0; k < fromUnused; k++) val.push(unused[c][perm[k]]);
    val.push(...keptOfClass.slice(n - fromKept));
    train.push(...keptOfClass.slice(0, n - fromKept));
    counts.push(n - fromKept);
  });
  return { train: { indices: Uint32Array.from(train), counts }, valIndices: Uint32Array.from(val), valCounts: new Array<number>(numClasses).fill(perClass) };
}

/** The images and labels at `indices`, in that order. */
export function selectRecords(split: Split, shape: ImageShape, indices: ArrayLike<number>, numClasses: number): Split {
  const bytes = imageBytes(shape);
  const images = new Uint8Array(indices.length * bytes);
  const labels = labelArray(indices.length, numClasses);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    images.set(split.images.subarray(r * bytes, (r + 1) * bytes), i * bytes);
    labels[i] = split.labels[r];
  }
  return { images, labels };
}
