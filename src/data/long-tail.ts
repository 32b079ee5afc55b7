// Long-tailed training subsets exactly as Cao et al. (LDAM-DRW, IMBALANCECIFAR10):
// get_img_num_per_cls gives the per-class counts, gen_imbalanced_data keeps, per class, the
// first n_c images of a seeded shuffle. Class 0 is the most frequent; the test split is untouched.
import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { RngStream } from '../rng-streams.js';
import { randU32, seededPermutation } from '../rng.js';
import { imageBytes, labelArray, type Dataset, type ImageShape, type Split } from './dataset.js';

export type Profile = 'exp' | 'step';

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
 */
export function longTailSubset(labels: ArrayLike<number>, numClasses: number, rho: number, profile: Profile, seed: number): LongTailSubset {
  if (!(rho > 0 && rho <= 1)) throw new UserError(`--imbalance ${rho}: must be in (0, 1] (n_min / n_max)`);
  const lists = byClass(labels, numClasses);
  const nMax = Math.min(labels.length / numClasses, ...lists.map((l) => l.length));
  const counts = imgNumPerCls(nMax, numClasses, rho, profile);
  const indices = new Uint32Array(counts.reduce((a, b) => a + b, 0));
  let at = 0;
  lists.forEach((list, c) => {
    // One shuffle per class, each from its own seed, as np.random.shuffle draws afresh per class.
    const perm = seededPermutation(list.length, randU32(seed, RngStream.longTailSubset, c), RngStream.longTailSubset);
    for (let k = 0; k < counts[c]; k++) indices[at++] = list[perm[k]];
  });
  return { indices, counts };
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

export interface SubsetFile {
  dataset: string;
  profile: Profile;
  imbalance: number;
  seed: number;
  /** Size of the full train split the indices refer to. */
  trainCount: number;
  counts: number[];
  indices: number[];
}

/** Writes the chosen record numbers, so another machine can train on the identical subset. */
export function writeSubsetFile(path: string, content: SubsetFile): void {
  try {
    writeFileSync(path, JSON.stringify(content) + '\n');
  } catch (e) {
    throw new UserError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Reads a subset file and checks it against the train split it will be applied to. */
export function readSubsetFile(path: string, dataset: string, labels: ArrayLike<number>, numClasses: number): LongTailSubset & Omit<SubsetFile, 'indices' | 'counts'> {
  let f: SubsetFile;
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as SubsetFile;
  } catch (e) {
    throw new UserError(`${path}: not a readable subset file (${(e as Error).message})`);
  }
  if (!f || !Array.isArray(f.indices)) throw new UserError(`${path}: not a subset file (no "indices" list)`);
  if (f.dataset !== dataset) throw new UserError(`${path}: subset of ${f.dataset}, not of ${dataset}`);
  if (f.trainCount !== labels.length) throw new UserError(`${path}: made for a train split of ${f.trainCount} images, this one has ${labels.length}`);
  const seen = new Uint8Array(labels.length);
  const counts = new Array<number>(numClasses).fill(0);
  for (const r of f.indices) {
    if (!Number.isInteger(r) || r < 0 || r >= labels.length) throw new UserError(`${path}: index ${r} is out of range (0…${labels.length - 1})`);
    if (seen[r]++) throw new UserError(`${path}: index ${r} appears twice`);
    counts[labels[r]]++;
  }
  return { ...f, indices: Uint32Array.from(f.indices), counts };
}

export interface LongTailOptions {
  /** ρ = n_min / n_max; absent: the full train split. */
  imbalance?: number;
  profile?: Profile;
  seed?: number;
  /** A subset file to reuse instead of drawing a subset (imbalance, profile and seed then come from it). */
  subsetFile?: string;
}

/** The dataset with its train split replaced by the long-tailed subset, and the subset's description. */
export function applyLongTail(d: Dataset, o: LongTailOptions): { dataset: Dataset; subset: SubsetFile | null } {
  const C = d.classes.length;
  let subset: SubsetFile;
  if (o.subsetFile) {
    const f = readSubsetFile(o.subsetFile, d.name, d.train.labels, C);
    subset = { ...f, indices: Array.from(f.indices) };
  } else if (o.imbalance !== undefined) {
    const profile = o.profile ?? 'exp';
    const seed = o.seed ?? 0;
    const s = longTailSubset(d.train.labels, C, o.imbalance, profile, seed);
    subset = { dataset: d.name, profile, imbalance: o.imbalance, seed, trainCount: d.train.labels.length, counts: s.counts, indices: Array.from(s.indices) };
  } else {
    return { dataset: d, subset: null };
  }
  return { dataset: { ...d, train: selectRecords(d.train, d, subset.indices, C) }, subset };
}
