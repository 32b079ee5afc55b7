import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { classBalancedWeights, ldamMargins } from '../src/train/loop/class-weights.js';

// CIFAR-10-LT at ρ = 0.01, the counts DESIGN.md lists.
const CIFAR10_LT = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50];

const close = (got: Float32Array, want: number[], digits = 6) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], digits));
};

describe('DRW class-balanced weights', () => {
  it('match a hand computation: β = 0.5, counts [1, 2] → 1 and 2/3, normalised to sum 2', () => {
    close(classBalancedWeights([1, 2], 0.5), [1.2, 0.8]);
  });

  it('match the reference formula (numpy, float64) on CIFAR-10-LT ρ = 0.01', () => {
    // numpy: w = (1 − β)/(1 − β^n); w / Σw · C, β = 0.9999, printed as float32.
    const numpy = [0.05061136, 0.0768998, 0.12113387, 0.19503666, 0.31880537, 0.52458984, 0.86834896, 1.4426273, 2.409223, 3.9927237];
    const w = classBalancedWeights(CIFAR10_LT);
    close(w, numpy, 6);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(10, 5);
    for (let c = 1; c < w.length; c++) expect(w[c]).toBeGreaterThan(w[c - 1]);
  });

  it('are all ones for β = 0 (the reference before the DRW epoch)', () => {
    expect(Array.from(classBalancedWeights(CIFAR10_LT, 0))).toEqual(new Array(10).fill(1));
  });

  it('refuse a class with no training images as a one-line user error', () => {
    expect(() => classBalancedWeights([10, 0, 3])).toThrow(UserError);
    expect(() => classBalancedWeights([10, 0, 3])).toThrow(/class 1 has no training images/);
  });
});

describe('LDAM margins', () => {
  it('match a hand computation: counts [1, 16, 81] → n^(−1/4) = 1, 1/2, 1/3, largest 0.5', () => {
    close(ldamMargins([1, 16, 81]), [0.5, 0.25, 1 / 6]);
    close(ldamMargins([81, 16, 1], 1), [1 / 3, 0.5, 1]);
  });

  it('match the reference formula (numpy) on CIFAR-10-LT ρ = 0.01', () => {
    const numpy = [0.15811388, 0.17969699, 0.2042377, 0.23209114, 0.26382902, 0.29976764, 0.3406752, 0.38722092, 0.44049704, 0.5];
    const m = ldamMargins(CIFAR10_LT);
    close(m, numpy, 7);
    expect(Math.max(...m)).toBe(0.5);
  });
});
