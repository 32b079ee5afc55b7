// From a dataset on disk to GPU-resident train and test splits: the long-tailed subset (sampled,
// or read from a subset file so other machines use the identical one), its index file written
// into the run directory, and the uploads.
import { classCounts as countPerClass, type Dataset } from '../../data/dataset.js';
import { defaultAugmentation, GpuDataset, NO_AUGMENTATION } from '../../data/gpu-dataset.js';
import { loadDataset } from '../../data/load.js';
import { selectRecords } from '../../data/long-tail.js';
import { chooseSubset, writeSubsetFile } from '../../data/subset-file.js';
import type { TrainSettings } from './config.js';

/** Per-channel statistics for --normalize: those of the (long-tailed) training images. */
function channelStats(images: Uint8Array, channels: number, pixels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < images.length; i++) {
    const c = Math.floor(i / pixels) % channels;
    const v = images[i] / 255;
    sum[c] += v;
    sq[c] += v * v;
  }
  const n = images.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  return { mean, std: Array.from(sq, (s, c) => Math.sqrt(Math.max(s / n - mean[c] ** 2, 1e-12))) };
}

export interface TrainingData {
  dataset: Dataset;
  classes: number;
  /** Training images per class in the long-tailed subset (less the validation split). */
  trainCounts: number[];
  testCounts: number[];
  /** Validation images per class; null without a validation split. */
  valCounts: number[] | null;
  /** Labels of the subset, in the order the GPU holds them (for AEGL's tail positions). */
  trainLabels: Uint8Array | Uint16Array;
  /** --normalize's channel statistics (null without it): recorded in every checkpoint. */
  normalize: { mean: number[]; std: number[] } | null;
  train: GpuDataset;
  val: GpuDataset | null;
  test: GpuDataset;
}

/** `subsetPath`: read the subset (and validation split) from there; `writeSubsetTo`: record what was used there. */
export function prepareData(s: TrainSettings, subsetPath: string | undefined, writeSubsetTo: string | undefined): TrainingData {
  const dataset = loadDataset(s.dataset, s.dataDir, { imageSize: s.imageSize ? { height: s.imageSize, width: s.imageSize } : undefined });
  const classes = dataset.classes.length;
  const subset = chooseSubset(dataset, { imbalance: s.imbalance, profile: s.profile, seed: s.subsetSeed, rng: s.subsetRng, valPerClass: s.valPerClass, subsetFile: subsetPath })!;
  if (writeSubsetTo) writeSubsetFile(writeSubsetTo, subset);
  const split = selectRecords(dataset.train, dataset, subset.indices, classes);
  const valSplit = subset.valIndices ? selectRecords(dataset.train, dataset, subset.valIndices, classes) : null;
  const normalize = s.normalize ? channelStats(split.images, dataset.channels, dataset.height * dataset.width) : undefined;
  const augmentation = s.augment ? defaultAugmentation(s.dataset === 'fmnist' ? 'cifar10' : s.dataset) : NO_AUGMENTATION;
  return {
    dataset,
    classes,
    trainCounts: countPerClass(split, classes),
    testCounts: countPerClass(dataset.test, classes),
    valCounts: valSplit ? countPerClass(valSplit, classes) : null,
    trainLabels: split.labels,
    normalize: normalize ?? null,
    train: GpuDataset.upload(split, dataset, { seed: s.seed, augmentation, normalize }),
    val: valSplit ? GpuDataset.upload(valSplit, dataset, { normalize }) : null,
    test: GpuDataset.upload(dataset.test, dataset, { normalize }),
  };
}
