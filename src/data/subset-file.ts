// Subset files (the record numbers a run trained on, so another machine can train on the same
// images) and the choice between reading one and drawing a subset (long-tail.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { defaultSubsetRng, longTailSubset, selectRecords, validationSplit, type LongTailSubset, type Profile, type SubsetRng } from './long-tail.js';

export interface SubsetFile {
  dataset: string;
  profile: Profile;
  imbalance: number;
  /** The subset seed (the training seed is separate). */
  seed: number;
  /** Which shuffle chose the subset (absent in files written before numpy's was added: 'own'). */
  rng?: SubsetRng;
  /** Size of the full train split the indices refer to. */
  trainCount: number;
  /** Training images per class, after the validation split took its share. */
  counts: number[];
  /** Training record numbers (positions in the train files' order), class by class. */
  indices: number[];
  /** The validation split, when one was held out. */
  valPerClass?: number;
  valIndices?: number[];
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
export function readSubsetFile(
  path: string,
  dataset: string,
  labels: ArrayLike<number>,
  numClasses: number,
): LongTailSubset & Omit<SubsetFile, 'indices' | 'counts' | 'valIndices'> & { valIndices: Uint32Array | null; valCounts: number[] | null } {
  let f: SubsetFile;
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as SubsetFile;
  } catch (e) {
    throw new UserError(`${path}: not a readable subset file (${(e as Error).message})`);
  }
  if (!f || !Array.isArray(f.indices)) throw new UserError(`${path}: not a subset file (no "indices" list)`);
  if (f.dataset !== dataset) throw new UserError(`${path}: subset of ${f.dataset}, not of ${dataset}`);
  if (f.trainCount !== labels.length) throw new UserError(`${path}: made for a train split of ${f.trainCount} images, this one has ${labels.length}`);
  if (f.valIndices !== undefined && !Array.isArray(f.valIndices)) throw new UserError(`${path}: "valIndices" is not a list`);
  const seen = new Uint8Array(labels.length);
  const count = (list: number[]) => {
    const counts = new Array<number>(numClasses).fill(0);
    for (const r of list) {
      if (!Number.isInteger(r) || r < 0 || r >= labels.length) throw new UserError(`${path}: index ${r} is out of range (0…${labels.length - 1})`);
      if (seen[r]++) throw new UserError(`${path}: index ${r} appears twice (training and validation indices must be distinct)`);
      counts[labels[r]]++;
    }
    return counts;
  };
  const counts = count(f.indices);
  const valCounts = f.valIndices ? count(f.valIndices) : null;
  return { ...f, indices: Uint32Array.from(f.indices), counts, valIndices: f.valIndices ? Uint32Array.from(f.valIndices) : null, valCounts };
}

export interface LongTailOptions {
  /** ρ = n_min / n_max; absent: the full train split. */
  imbalance?: number;
  profile?: Profile;
  /** The subset seed (LDAM-DRW fixes it at 0 and varies only the training seed). */
  seed?: number;
  rng?: SubsetRng;
  /** Images per class held out for validation (0 or absent: none). */
  valPerClass?: number;
  /** A subset file to reuse instead of drawing a subset (everything above then comes from it). */
  subsetFile?: string;
}

/**
 * The training subset (and validation split) a run uses, as the subset file records it: read from
 * `subsetFile`, or drawn. Null when neither a file nor an imbalance is given (the full train split).
 */
export function chooseSubset(d: Dataset, o: LongTailOptions): SubsetFile | null {
  const C = d.classes.length;
  if (o.subsetFile) {
    const { valIndices, valCounts: _, ...f } = readSubsetFile(o.subsetFile, d.name, d.train.labels, C);
    return { ...f, indices: Array.from(f.indices), ...(valIndices ? { valIndices: Array.from(valIndices) } : {}) };
  }
  if (o.imbalance === undefined) return null;
  const { profile = 'exp', seed = 0, rng = defaultSubsetRng(d.name), valPerClass = 0 } = o;
  const lt = longTailSubset(d.train.labels, C, o.imbalance, profile, seed, rng);
  const split = valPerClass > 0 ? validationSplit(d.train.labels, C, lt, valPerClass, seed) : null;
  const train = split?.train ?? lt;
  return {
    dataset: d.name,
    profile,
    imbalance: o.imbalance,
    seed,
    rng,
    trainCount: d.train.labels.length,
    counts: train.counts,
    indices: Array.from(train.indices),
    ...(split ? { valPerClass, valIndices: Array.from(split.valIndices) } : {}),
  };
}

/** The dataset with its train split replaced by the long-tailed subset, and the subset's description. */
export function applyLongTail(d: Dataset, o: LongTailOptions): { dataset: Dataset; subset: SubsetFile | null } {
  const subset = chooseSubset(d, o);
  if (!subset) return { dataset: d, subset: null };
  return { dataset: { ...d, train: selectRecords(d.train, d, subset.indices, d.classes.length) }, subset };
}
