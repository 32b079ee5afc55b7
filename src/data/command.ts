// `aegl-gpu data`: loads a dataset, applies the long-tail subset, prints per-class train/test
// counts, and writes a PNG grid of samples per class (and the subset file, for other machines).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { initEngine } from '../gpu/engine.js';
import { tidy } from '../tensor.js';
import { classCounts, imageBytes, type ImageShape, type Split } from './dataset.js';
import { defaultAugmentation, epochOrder, GpuDataset, type Augmentation } from './gpu-dataset.js';
import { loadDataset } from './load.js';
import { selectRecords, SUBSET_RNGS, type Profile, type SubsetRng } from './long-tail.js';
import { applyLongTail, writeSubsetFile } from './subset-file.js';
import { GRID_SAMPLES, gridSamples, sampleGridPng } from './sample-grid.js';

export interface DataCommandFlags {
  dataset: string;
  dataDir?: string;
  imbalance?: string;
  profile: string;
  /** Seeds the augmented samples. */
  seed: string;
  subsetSeed: string;
  subsetRng?: string;
  valPerClass?: string;
  imageSize?: string;
  subset?: string;
  out?: string;
  /** Also write the grid's samples as the GPU augments them for training. */
  augmented?: boolean;
  adapter?: string;
}

function parseImbalance(value: string): number {
  const rho = Number(value);
  if (!(rho > 0 && rho <= 1)) throw new UserError(`--imbalance ${value}: must be a number in (0, 1] (n_min / n_max, e.g. 0.01)`);
  return rho;
}

function parseSeed(value: string, flag = 'seed'): number {
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`--${flag} ${value}: must be an integer in 0…4294967295`);
  return seed;
}

function parseValPerClass(value: string | undefined): number {
  const v = Number(value ?? 0);
  if (!Number.isInteger(v) || v < 0) throw new UserError(`--val-per-class ${value}: must be a non-negative integer`);
  return v;
}

function parseImageSize(value: string | undefined): { height: number; width: number } | undefined {
  if (value === undefined) return undefined;
  const side = Number(value);
  if (!Number.isInteger(side) || side < 1) throw new UserError(`--image-size ${value}: must be a positive integer`);
  return { height: side, width: side };
}

function parseSubsetRng(value: string | undefined): SubsetRng | undefined {
  if (value !== undefined && !(SUBSET_RNGS as readonly string[]).includes(value)) throw new UserError(`--subset-rng ${value}: must be ${SUBSET_RNGS.join(' or ')}`);
  return value as SubsetRng | undefined;
}

function parseProfile(value: string): Profile {
  if (value !== 'exp' && value !== 'step') throw new UserError(`--profile ${value}: must be exp or step`);
  return value;
}

function writeOut(path: string, data: Buffer | string): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new UserError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Epoch 0's training augmentation of `split`, run on the GPU and brought back as u8, in split order. */
async function augmentOnGpu(split: Split, shape: ImageShape, augmentation: Augmentation, seed: number, adapter?: string): Promise<Split> {
  await initEngine({ adapter });
  const data = GpuDataset.upload(split, shape, { seed, augmentation });
  const n = data.count;
  data.startEpoch(0);
  const { x } = tidy(() => data.batch(0, n));
  const values = await x.read();
  x.dispose();
  data.dispose();
  const order = epochOrder(n, seed, 0);
  const per = imageBytes(shape);
  const images = new Uint8Array(n * per);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < per; j++) images[order[i] * per + j] = Math.round(values[i * per + j] * 255);
  }
  return { images, labels: split.labels };
}

export async function runDataCommand(f: DataCommandFlags): Promise<void> {
  const profile = parseProfile(f.profile);
  const seed = parseSeed(f.seed);
  const subsetSeed = parseSeed(f.subsetSeed, 'subset-seed');
  const rng = parseSubsetRng(f.subsetRng);
  const valPerClass = parseValPerClass(f.valPerClass);
  const imbalance = f.imbalance === undefined ? undefined : parseImbalance(f.imbalance);
  if (valPerClass && imbalance === undefined && !f.subset) throw new UserError('--val-per-class needs --imbalance (the split is drawn from the images the long-tail subset leaves unused)');
  const full = loadDataset(f.dataset, f.dataDir, { imageSize: parseImageSize(f.imageSize) });
  const { dataset: d, subset } = applyLongTail(full, { imbalance, profile, seed: subsetSeed, rng, valPerClass, subsetFile: f.subset });
  const C = d.classes.length;
  const train = classCounts(d.train, C);
  const test = classCounts(d.test, C);
  const fullCount = full.train.labels.length;

  const lines = [`${d.name}: ${C} classes, ${d.channels}×${d.height}×${d.width} images`];
  if (subset) {
    const from = f.subset ? ` from ${f.subset}` : '';
    lines.push(`long tail${from}: ${subset.profile} profile, ρ = ${subset.imbalance}, ${subset.rng ?? 'own'} shuffle, subset seed ${subset.seed}: ${d.train.labels.length} of ${fullCount} train images (n_max / n_min = ${(Math.max(...train) / Math.max(1, Math.min(...train))).toFixed(1)})`);
    if (subset.valIndices) lines.push(`validation: ${subset.valIndices.length} images held out (${subset.valPerClass} per class) from the train images the subset leaves unused, the rest from a class's kept images`);
  }
  const nameWidth = Math.max(5, ...d.classes.map((c) => c.length));
  const digits = String(C - 1).length;
  lines.push(`${' '.repeat(digits + 1)}${'class'.padEnd(nameWidth)}  ${'train'.padStart(7)}  ${'test'.padStart(7)}`);
  d.classes.forEach((name, c) => lines.push(`${String(c).padStart(digits)} ${name.padEnd(nameWidth)}  ${String(train[c]).padStart(7)}  ${String(test[c]).padStart(7)}`));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  lines.push(`${' '.repeat(digits + 1)}${'total'.padEnd(nameWidth)}  ${String(sum(train)).padStart(7)}  ${String(sum(test)).padStart(7)}`);

  const out = f.out ?? join('runs', 'data', d.name);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UserError(`--out ${out}: cannot create folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // Rows head → tail: by train count, largest first (ties keep class order).
  const rows = [...d.classes.keys()].sort((a, b) => train[b] - train[a] || a - b);
  const grid = join(out, 'samples.png');
  writeOut(grid, sampleGridPng(d.train, d, { rows, counts: train }));
  lines.push(`wrote ${grid} (rows: classes ${rows.join(', ')}, head → tail; bar: train images / largest class; up to ${GRID_SAMPLES} train samples each)`);
  if (f.augmented) {
    const augmentation = defaultAugmentation(d.name);
    const samples = selectRecords(d.train, d, gridSamples(d.train.labels, C, GRID_SAMPLES), C);
    const path = join(out, 'samples-augmented.png');
    writeOut(path, sampleGridPng(await augmentOnGpu(samples, d, augmentation, seed, f.adapter), d, { rows, counts: train }));
    const what = augmentation.cropPadding || augmentation.horizontalFlip ? `random crop (padding ${augmentation.cropPadding}) + horizontal flip` : 'no augmentation';
    lines.push(`wrote ${path} (the same samples as the GPU gives them to training in epoch 0: ${what})`);
  }
  if (subset) {
    const path = join(out, 'subset.json');
    writeSubsetFile(path, subset);
    lines.push(`wrote ${path} (the chosen train records; reuse with --subset)`);
  }
  console.log(lines.join('\n'));
}
