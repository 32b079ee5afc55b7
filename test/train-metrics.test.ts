import { describe, expect, it } from 'vitest';
import { BestLast, computeMetrics } from '../src/train/loop/metrics.js';

/** Interleaves per-class correct and total counts as the GPU accumulates them. */
const counts = (correct: number[], total: number[]) => Uint32Array.from(correct.flatMap((k, c) => [k, total[c]]));

describe('computeMetrics', () => {
  // 6 classes; training counts span many (>100), medium (20–100) and few (<20) shots, with the
  // boundary values 100 and 20 both medium.
  const train = [500, 101, 100, 20, 19, 3];
  const m = computeMetrics(counts([90, 80, 70, 50, 10, 0], [100, 100, 100, 50, 20, 10]), train);

  it('top-1 pools all test images; per-class accuracy is per class', () => {
    expect(m.correct).toBe(300);
    expect(m.total).toBe(380);
    expect(m.top1).toBeCloseTo((100 * 300) / 380, 12);
    expect(m.perClass).toEqual([90, 80, 70, 100, 50, 0]);
  });

  it('many/medium/few average per-class accuracy over > 100, 20–100 and < 20 training images', () => {
    expect(m.many).toBeCloseTo((90 + 80) / 2, 12);
    expect(m.medium).toBeCloseTo((70 + 100) / 2, 12);
    expect(m.few).toBeCloseTo((50 + 0) / 2, 12);
  });

  it('head/tail halves split at ⌈C/2⌉ by default, or where asked', () => {
    expect(m.head).toBeCloseTo((90 + 80 + 70) / 3, 12);
    expect(m.tail).toBeCloseTo((100 + 50 + 0) / 3, 12);
    const t = computeMetrics(counts([90, 80, 70, 50, 10, 0], [100, 100, 100, 50, 20, 10]), train, 5);
    expect(t.head).toBeCloseTo((90 + 80 + 70 + 100 + 50) / 5, 12);
    expect(t.tail).toBe(0);
    expect(computeMetrics(counts([1, 1, 1], [2, 2, 2]), [9, 9, 9]).head).toBe(50); // ⌈3/2⌉ = 2 head classes
  });

  it('reports an empty group as null, not 0, and skips classes without test images', () => {
    const none = computeMetrics(counts([5, 3, 0], [10, 4, 0]), [5000, 2000, 1000]);
    expect(none.many).toBeCloseTo(62.5, 12);
    expect(none.medium).toBeNull();
    expect(none.few).toBeNull();
    expect(none.perClass[2]).toBeNull();
    expect(none.tail).toBeNull();
  });

  it('refuses counts of the wrong length', () => {
    expect(() => computeMetrics(new Uint32Array(5), [1, 2, 3])).toThrow(/2·C/);
  });
});

describe('BestLast', () => {
  const at = (top1: number) => ({ ...computeMetrics(counts([1], [2]), [5]), top1 });

  it('keeps the highest test top-1 (first on ties) and the last epoch; without a split the chosen epoch is test-selected', () => {
    const t = new BestLast();
    expect(t.update(1, at(40))['test-selected']).toBe(true);
    expect(t.update(2, at(55))['test-selected']).toBe(true);
    expect(t.update(3, at(55))['test-selected']).toBe(false);
    expect(t.update(4, at(50))).toEqual({ 'val-selected': false, 'test-selected': false, last: true });
    expect(t.bestSelection).toBe('test-selected');
    expect(t.best!.epoch).toBe(2);
    expect(t.best!.metrics.top1).toBe(55);
    expect(t.get('val-selected')).toBeNull();
    expect(t.last!.epoch).toBe(4);
    expect(t.last!.metrics.top1).toBe(50);
  });

  it('with a validation split, the chosen epoch is the best on validation, and the best on test is kept apart', () => {
    const t = new BestLast();
    t.update(1, at(40), at(70));
    t.update(2, at(60), at(65)); // best on test, not on validation
    t.update(3, at(50), at(72));
    t.update(4, at(45), at(72)); // a tie on validation keeps epoch 3
    expect(t.bestSelection).toBe('val-selected');
    expect(t.best!.epoch).toBe(3);
    expect(t.best!.metrics.top1).toBe(50);
    expect(t.get('test-selected')!.epoch).toBe(2);
    expect(t.last!.epoch).toBe(4);
  });

  it('rebuilds from metrics.jsonl records on resume', () => {
    const t = BestLast.fromRecords([{ epoch: 1, test: at(10) }, { epoch: 2, test: at(30) }, { epoch: 3, test: at(20) }]);
    expect([t.best!.epoch, t.last!.epoch]).toEqual([2, 3]);
    const v = BestLast.fromRecords([{ epoch: 1, test: at(10), val: at(50) }, { epoch: 2, test: at(30), val: at(40) }]);
    expect([v.best!.epoch, v.get('test-selected')!.epoch]).toEqual([1, 2]);
  });
});
