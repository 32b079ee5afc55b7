// `aegl-gpu data`: loads a dataset, applies the long-tail subset, prints per-class train/test
// counts, and writes a PNG grid of samples per class (and the subset file, for other machines).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { classCounts } from './dataset.js';
import { loadDataset } from './load.js';
import { applyLongTail, writeSubsetFile, type Profile } from './long-tail.js';
import { sampleGridPng } from './sample-grid.js';

export interface DataCommandFlags {
  dataset: string;
  dataDir?: string;
  imbalance?: string;
  profile: string;
  seed: string;
  subset?: string;
  out?: string;
}

function parseImbalance(value: string): number {
  const rho = Number(value);
  if (!(rho > 0 && rho <= 1)) throw new UserError(`--imbalance ${value}: must be a number in (0, 1] (n_min / n_max, e.g. 0.01)`);
  return rho;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`--seed ${value}: must be an integer in 0…4294967295`);
  return seed;
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

export function runDataCommand(f: DataCommandFlags): void {
  const profile = parseProfile(f.profile);
  const seed = parseSeed(f.seed);
  const imbalance = f.imbalance === undefined ? undefined : parseImbalance(f.imbalance);
  const full = loadDataset(f.dataset, f.dataDir);
  const { dataset: d, subset } = applyLongTail(full, { imbalance, profile, seed, subsetFile: f.subset });
  const C = d.classes.length;
  const train = classCounts(d.train, C);
  const test = classCounts(d.test, C);
  const fullCount = full.train.labels.length;

  const lines = [`${d.name}: ${C} classes, ${d.channels}×${d.height}×${d.width} images`];
  if (subset) {
    const from = f.subset ? ` from ${f.subset}` : '';
    lines.push(`long tail${from}: ${subset.profile} profile, ρ = ${subset.imbalance}, seed ${subset.seed}: ${d.train.labels.length} of ${fullCount} train images (n_max / n_min = ${(Math.max(...train) / Math.max(1, Math.min(...train))).toFixed(1)})`);
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
  lines.push(`wrote ${grid} (rows: classes ${rows.join(', ')}, head → tail; bar: train images / largest class; up to 10 train samples each)`);
  if (subset) {
    const path = join(out, 'subset.json');
    writeSubsetFile(path, subset);
    lines.push(`wrote ${path} (the chosen train records; reuse with --subset)`);
  }
  console.log(lines.join('\n'));
}
