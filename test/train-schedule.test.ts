import { describe, expect, it } from 'vitest';
import { DRW_BETA } from '../src/train/loop/class-weights.js';
import { aeglSchedule, cosineSchedule, drwBeta, DRW_EPOCH, ldamDrwSchedule, stepSchedule } from '../src/train/loop/schedule.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('LDAM-DRW CIFAR schedule (adjust_learning_rate of kaidic/LDAM-DRW)', () => {
  const lr = ldamDrwSchedule(0.1);
  it('warms up linearly over the first 5 epochs: lr·(epoch+1)/5', () => {
    [0.02, 0.04, 0.06, 0.08, 0.1].forEach((want, e) => expect(lr(e)).toBeCloseTo(want, 12));
    expect(lr(4)).toBe(0.1);
  });
  it('holds lr on 0-based epochs 5–159, ×0.01 on 160–179, ×0.0001 from 180', () => {
    for (const e of [5, 100, 159]) expect(lr(e)).toBe(0.1);
    for (const e of [160, 170, 179]) expect(lr(e)).toBeCloseTo(0.001, 12);
    for (const e of [180, 199]) expect(lr(e)).toBeCloseTo(0.00001, 12);
  });
  it('scales with the base lr', () => {
    expect(ldamDrwSchedule(0.2)(165)).toBeCloseTo(0.002, 12);
  });
});

describe('DRW switch', () => {
  it('uses β = 0 (uniform weights) before 0-based epoch 160 and 0.9999 from it, as idx = epoch // 160', () => {
    expect(DRW_EPOCH).toBe(160);
    expect(drwBeta(0)).toBe(0);
    expect(drwBeta(159)).toBe(0);
    expect(drwBeta(160)).toBe(DRW_BETA);
    expect(drwBeta(199)).toBe(0.9999);
    expect(drwBeta(7, 8)).toBe(0);
    expect(drwBeta(8, 8)).toBe(0.9999);
  });
});

describe('AEGL fine-tune schedule', () => {
  it('is 1e-3 for epochs 1–10, 1e-4 for 11–30, 1e-5 for 31–60 (0-based 0–9, 10–29, 30–59)', () => {
    const lr = aeglSchedule();
    const got = range(60).map(lr);
    expect(got.slice(0, 10).every((v) => v === 0.001)).toBe(true);
    expect(got.slice(10, 30).every((v) => Math.abs(v - 1e-4) < 1e-15)).toBe(true);
    expect(got.slice(30, 60).every((v) => Math.abs(v - 1e-5) < 1e-16)).toBe(true);
    expect(lr(75)).toBeCloseTo(1e-5, 16);
  });
  it('--protocol official is train_adv.py\'s adjust_learning_rate: 0-based 0–9 lr, 10–28 lr/10, 29–58 lr/100, from 59 lr again', () => {
    const official = aeglSchedule(0.001, 'official');
    const want = (e: number) => (e <= 9 ? 0.001 : e <= 28 ? 0.001 * 0.1 : e <= 58 ? 0.001 * 0.01 : 0.001);
    expect(range(200).map(official)).toEqual(range(200).map(want));
    // One epoch earlier than the clean default at both boundaries.
    expect([official(28), aeglSchedule()(28)]).toEqual([0.001 * 0.1, 0.001 * 0.1]);
    expect([official(29), aeglSchedule()(29)]).toEqual([0.001 * 0.01, 0.001 * 0.1]);
    expect([official(59), aeglSchedule()(59)]).toEqual([0.001, 0.001 * 0.01]);
  });
});

describe('step and cosine schedules', () => {
  it('step: lr·γ^(milestones passed), like MultiStepLR', () => {
    const lr = stepSchedule(0.05, [10, 15], 0.1);
    expect(lr(0)).toBe(0.05);
    expect(lr(9)).toBe(0.05);
    expect(lr(10)).toBeCloseTo(0.005, 12);
    expect(lr(14)).toBeCloseTo(0.005, 12);
    expect(lr(15)).toBeCloseTo(0.0005, 12);
  });
  it('cosine: starts at lr, half-way at the mean, ends at minLr; per step when asked', () => {
    const lr = cosineSchedule(0.1, { epochs: 10, minLr: 0.001 });
    expect(lr(0)).toBeCloseTo(0.1, 12);
    expect(lr(5)).toBeCloseTo(0.0505, 12);
    expect(lr(10)).toBeCloseTo(0.001, 12);
    const perStep = cosineSchedule(0.1, { epochs: 10, stepsPerEpoch: 4 });
    expect(perStep(5, 0)).toBeCloseTo(0.05, 12);
    expect(perStep(4, 2)).toBeCloseTo(perStep(5, 0) + (0.1 * (Math.cos(Math.PI * 0.45) - Math.cos(Math.PI * 0.5))) / 2, 12);
    const all = range(40).map((i) => perStep(Math.floor(i / 4), i % 4));
    for (let i = 1; i < all.length; i++) expect(all[i]).toBeLessThan(all[i - 1]);
  });
  it('cosine with warm-up rises linearly to lr, then decays', () => {
    const lr = cosineSchedule(0.1, { epochs: 12, warmup: 2, stepsPerEpoch: 2 });
    expect(lr(0, 0)).toBeCloseTo(0.025, 12);
    expect(lr(0, 1)).toBeCloseTo(0.05, 12);
    expect(lr(1, 1)).toBeCloseTo(0.1, 12);
    expect(lr(2, 0)).toBeCloseTo(0.1, 12);
    expect(lr(7, 0)).toBeCloseTo(0.05, 12);
  });
});
