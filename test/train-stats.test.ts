// The sweep's statistics against values from statistical tables and hand computation.
import { describe, expect, it } from 'vitest';
import { incompleteBeta, mcnemarExact, mean, pairedDifference, std, studentQuantile } from '../src/train/reports/stats.js';

describe('sweep statistics', () => {
  it('mean and sample standard deviation (n − 1)', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.13808993529939, 12);
    expect(std([3])).toBe(0);
  });

  it('the regularised incomplete beta function', () => {
    expect(incompleteBeta(1, 1, 0.3)).toBeCloseTo(0.3, 12); // uniform
    expect(incompleteBeta(2, 3, 0.4)).toBeCloseTo(0.5248, 12); // 1 − Σ binomial terms, by hand
    expect(incompleteBeta(0.5, 0.5, 0.5)).toBeCloseTo(0.5, 12);
  });

  it('t quantiles t₀.₉₇₅ match the tables', () => {
    const table: [number, number][] = [[1, 12.7062047], [2, 4.30265273], [3, 3.18244631], [4, 2.77644511], [10, 2.22813885], [30, 2.04227246], [1000, 1.96233908]];
    for (const [df, t] of table) expect(studentQuantile(0.975, df), `df ${df}`).toBeCloseTo(t, 6);
  });

  it('paired differences: mean ± t·s/√n, no interval from one pair', () => {
    const d = pairedDifference([1, 2, 3]);
    expect(d.mean).toBe(2);
    expect(d.low!).toBeCloseTo(2 - 4.30265273 / Math.sqrt(3), 6);
    expect(d.high!).toBeCloseTo(2 + 4.30265273 / Math.sqrt(3), 6);
    expect(pairedDifference([0.5])).toMatchObject({ n: 1, mean: 0.5, low: null, high: null });
  });

  it("McNemar's exact test counts discordant images and doubles the binomial tail", () => {
    const labels = Array(20).fill(1);
    // A alone right on 10 images, B alone right on 2, both right on 5, both wrong on 3.
    const a = [...Array(10).fill(1), ...Array(2).fill(0), ...Array(5).fill(1), ...Array(3).fill(0)];
    const b = [...Array(10).fill(0), ...Array(2).fill(1), ...Array(5).fill(1), ...Array(3).fill(0)];
    const t = mcnemarExact(a, b, labels);
    expect([t.onlyA, t.onlyB]).toEqual([10, 2]);
    expect(t.p).toBeCloseTo((2 * (1 + 12 + 66)) / 4096, 12);
    expect(mcnemarExact([1, 0], [0, 1], [1, 1]).p).toBe(1);
    expect(mcnemarExact([1, 1], [1, 1], [1, 1]).p).toBe(1);
  });
});
