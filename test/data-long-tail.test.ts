// Long-tail subsets as Cao et al. (LDAM-DRW): the per-class counts of the formula, the seeded
// per-class choice, and the subset file that carries a choice to another machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imgNumPerCls, longTailSubset, selectRecords, validationSplit } from '../src/data/long-tail.js';
import { readSubsetFile, writeSubsetFile } from '../src/data/subset-file.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// Totals from LDAM-DRW's get_img_num_per_cls run in Python (int(img_max * imb_factor**(c / (C - 1.0))));
// CIFAR-10 at 0.1 / 0.01 and CIFAR-100 at 0.01 are the sizes quoted in the literature (20,431 / 12,406 / 10,847).
const EXP_TOTALS: Record<string, [number, number, Record<number, number>]> = {
  cifar10: [10, 5000, { 0.1: 20431, 0.05: 17023, 0.02: 13996, 0.01: 12406 }],
  cifar100: [100, 500, { 0.1: 19573, 0.05: 15907, 0.02: 12608, 0.01: 10847 }],
  fmnist: [10, 6000, { 0.1: 24516, 0.05: 20428, 0.02: 16796, 0.01: 14886 }],
};

describe('per-class counts', () => {
  for (const [name, [C, nMax, totals]] of Object.entries(EXP_TOTALS)) {
    for (const rho of [0.1, 0.05, 0.02, 0.01]) {
      it(`${name} at ρ = ${rho}: exponential total ${totals[rho]}, head n_max, tail floor(n_max·ρ), decreasing`, () => {
        const counts = imgNumPerCls(nMax, C, rho, 'exp');
        expect(sum(counts)).toBe(totals[rho]);
        expect(counts[0]).toBe(nMax);
        expect(counts[C - 1]).toBe(Math.floor(nMax * rho));
        for (let c = 1; c < C; c++) expect(counts[c]).toBeLessThanOrEqual(counts[c - 1]);
        const step = imgNumPerCls(nMax, C, rho, 'step');
        expect(step.slice(0, C / 2).every((n) => n === nMax)).toBe(true);
        expect(step.slice(C / 2).every((n) => n === Math.floor(nMax * rho))).toBe(true);
      });
    }
  }

  it('match the published lists', () => {
    expect(imgNumPerCls(5000, 10, 0.01, 'exp')).toEqual([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
    expect(imgNumPerCls(6000, 10, 0.01, 'exp')).toEqual([6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60]);
    expect(imgNumPerCls(5000, 10, 0.1, 'exp')).toEqual([5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500]);
  });
});

describe('longTailSubset', () => {
  // Labels interleaved round-robin, as the shared CIFAR-10 copy: 300 per class.
  const C = 10;
  const labels = Uint8Array.from({ length: 3000 }, (_, i) => i % C);

  it('keeps n_c distinct images of each class, class 0 first', () => {
    const s = longTailSubset(labels, C, 0.02, 'exp', 0);
    expect(s.counts).toEqual(imgNumPerCls(300, C, 0.02, 'exp'));
    expect(s.indices.length).toBe(sum(s.counts));
    expect(new Set(s.indices).size).toBe(s.indices.length);
    let at = 0;
    s.counts.forEach((n, c) => {
      for (let k = 0; k < n; k++) expect(labels[s.indices[at++]]).toBe(c);
    });
  });

  it('is the same under the same seed and differs under another, classes drawn independently', () => {
    const a = longTailSubset(labels, C, 0.1, 'exp', 0);
    expect(longTailSubset(labels, C, 0.1, 'exp', 0).indices).toEqual(a.indices);
    expect(longTailSubset(labels, C, 0.1, 'exp', 1).indices).not.toEqual(a.indices);
    // With a shared permutation, class 1 would keep the same within-class positions as class 0.
    const pos = (r: number) => Math.floor(r / C);
    const head = Array.from(a.indices.subarray(a.counts[0], a.counts[0] + a.counts[1]), pos);
    const first = Array.from(a.indices.subarray(0, a.counts[1]), pos);
    expect(head).not.toEqual(first);
  });

  it('takes n_max from the smallest class when classes are unequal, and rejects a bad ρ', () => {
    const uneven = Uint8Array.from([...Array(50).fill(0), ...Array(20).fill(1), ...Array(40).fill(2)]);
    expect(longTailSubset(uneven, 3, 0.5, 'exp', 0).counts).toEqual([20, 14, 10]);
    expect(() => longTailSubset(labels, C, 0, 'exp', 0)).toThrow(/--imbalance 0/);
    expect(() => longTailSubset(labels, C, 2, 'exp', 0)).toThrow(/--imbalance 2/);
  });

  it('selectRecords copies the chosen images and labels in order', () => {
    const shape = { channels: 1, height: 1, width: 3 };
    const split = { images: Uint8Array.from({ length: 12 }, (_, i) => i), labels: Uint8Array.from([0, 1, 2, 3]) };
    const s = selectRecords(split, shape, [2, 0], 4);
    expect(Array.from(s.images)).toEqual([6, 7, 8, 0, 1, 2]);
    expect(Array.from(s.labels)).toEqual([2, 0]);
  });
});

describe('subset file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegl-subset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const C = 10;
  const labels = Uint8Array.from({ length: 2000 }, (_, i) => (i * 7) % C);

  it('round trip gives the identical subset', () => {
    const s = longTailSubset(labels, C, 0.05, 'exp', 3);
    const path = join(dir, 'subset.json');
    writeSubsetFile(path, { dataset: 'cifar10', profile: 'exp', imbalance: 0.05, seed: 3, trainCount: labels.length, counts: s.counts, indices: Array.from(s.indices) });
    const back = readSubsetFile(path, 'cifar10', labels, C);
    expect(back.indices).toEqual(s.indices);
    expect(back.counts).toEqual(s.counts);
    expect([back.profile, back.imbalance, back.seed]).toEqual(['exp', 0.05, 3]);
  });

  it('names the file and the problem', () => {
    const path = join(dir, 'bad.json');
    const base = { dataset: 'cifar10', profile: 'exp', imbalance: 0.1, seed: 0, trainCount: labels.length, counts: [] };
    const check = (content: unknown, what: RegExp) => {
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      expect(() => readSubsetFile(path, 'cifar10', labels, C)).toThrow(what);
      expect(() => readSubsetFile(path, 'cifar10', labels, C)).toThrow(path);
    };
    check('{"indices": [1, 2', /not a readable subset file/);
    check({ ...base, indices: [1, 2000] }, /index 2000 is out of range/);
    check({ ...base, indices: [5, 1, 5] }, /index 5 appears twice/);
    check({ ...base, dataset: 'fmnist', indices: [1] }, /subset of fmnist, not of cifar10/);
    check({ ...base, trainCount: 50000, indices: [1] }, /train split of 50000 images/);
    check({ ...base }, /no "indices" list/);
  });
});

describe('validationSplit', () => {
  const C = 10;
  const labels = Uint8Array.from({ length: 3000 }, (_, i) => i % C);
  const lt = longTailSubset(labels, C, 0.01, 'exp', 0);

  it('holds out V per class from the unused images; only classes with none left give from their kept ones', () => {
    const v = validationSplit(labels, C, lt, 20, 0);
    expect(v.valCounts).toEqual(Array(C).fill(20));
    // Class 0 keeps all 300 images, so its 20 come from them; every other class keeps exactly n_c.
    expect(v.train.counts).toEqual([280, ...lt.counts.slice(1)]);
    const kept = new Set(lt.indices);
    const train = new Set(v.train.indices);
    expect(train.size).toBe(v.train.indices.length);
    for (const r of v.valIndices) expect(train.has(r)).toBe(false);
    const fromKept = Array.from(v.valIndices).filter((r) => kept.has(r));
    expect(fromKept).toHaveLength(20);
    expect(fromKept.every((r) => labels[r] === 0)).toBe(true);
    let at = 0;
    v.valCounts.forEach((n, c) => {
      for (let k = 0; k < n; k++) expect(labels[v.valIndices[at++]]).toBe(c);
    });
  });

  it('is seeded: the same split under the same seed, another under another', () => {
    expect(validationSplit(labels, C, lt, 20, 0).valIndices).toEqual(validationSplit(labels, C, lt, 20, 0).valIndices);
    expect(validationSplit(labels, C, lt, 20, 1).valIndices).not.toEqual(validationSplit(labels, C, lt, 20, 0).valIndices);
  });

  it('refuses a split that would leave a class without training images', () => {
    expect(() => validationSplit(labels, C, lt, 300, 0)).toThrow(/--val-per-class 300: class 0 has only 300/);
  });
});
