// Flag resolution of `aegl-gpu train`: per-dataset and per-method defaults, and one-line errors.
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/train/config.js';

describe('train settings', () => {
  it('reads attack radii written as fractions, as papers write them', () => {
    const s = resolveSettings({ method: 'aegl', eps: '2/255', alpha: '1/1020' });
    expect(s.eps).toBeCloseTo(2 / 255, 12);
    expect(s.alpha).toBeCloseTo(1 / 1020, 12);
    expect(resolveSettings({ method: 'aegl', eps: '2/255' }).alpha).toBeCloseTo(2 / 255 / 8, 12);
    expect(() => resolveSettings({ method: 'aegl', eps: '2/0' })).toThrow(/--eps 2\/0/);
    expect(() => resolveSettings({ method: 'aegl', eps: '1/2/3' })).toThrow(/--eps 1\/2\/3/);
  });

  it('fine-tunes with the released recipe on CIFAR and the shorter, gentler one on Fashion-MNIST', () => {
    const cifar = resolveSettings({ dataset: 'cifar10', method: 'aegl' });
    expect([cifar.epochs, cifar.lr, cifar.schedule, cifar.steps]).toEqual([60, 0.001, 'aegl', 3]);
    const fashion = resolveSettings({ dataset: 'fmnist', method: 'aegl' });
    expect([fashion.epochs, fashion.lr, fashion.schedule]).toEqual([3, 1e-5, 'aegl']);
    expect(resolveSettings({ dataset: 'fmnist', method: 'aegl', lr: '0.001', epochs: 60 })).toMatchObject({ lr: 0.001, epochs: 60 });
    expect(resolveSettings({ dataset: 'fmnist' })).toMatchObject({ method: 'ce', epochs: 10, lr: 0.05, schedule: 'cosine' });
  });
});
