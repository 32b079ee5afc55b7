// Flag resolution of `aegl-gpu train`: per-dataset and per-method defaults, and one-line errors.
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/train/loop/config.js';

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

  it('--protocol official: train_adv.py\'s 200 epochs, NS = 8, tail ≥ 5 and DRW from fine-tune epoch 160', () => {
    const s = resolveSettings({ dataset: 'cifar10', method: 'aegl', protocol: 'official', baseLoss: 'drw' });
    expect([s.epochs, s.steps, s.tailFrom, s.drwEpoch, s.lr, s.schedule]).toEqual([200, 8, 5, 160, 0.001, 'aegl']);
    expect(resolveSettings({ dataset: 'cifar10', method: 'aegl', protocol: 'official', epochs: 20 }).drwEpoch).toBe(160);
    expect(resolveSettings({ dataset: 'cifar10', method: 'aegl', epochs: 20 }).drwEpoch).toBe(16);
  });

  it('refuses --normalize with AEGL (the attack is defined in pixel space)', () => {
    expect(() => resolveSettings({ method: 'aegl', normalize: true })).toThrow(/--normalize with --method aegl/);
    expect(resolveSettings({ method: 'ce', normalize: true }).normalize).toBe(true);
  });

  it('subset: numpy\'s shuffle for CIFAR, ours for Fashion-MNIST, subset seed apart from the training seed', () => {
    expect(resolveSettings({ dataset: 'cifar10', seed: 3 })).toMatchObject({ subsetRng: 'numpy', subsetSeed: 0, seed: 3 });
    expect(resolveSettings({ dataset: 'fmnist' }).subsetRng).toBe('own');
    expect(resolveSettings({ dataset: 'cifar10', subsetRng: 'own', subsetSeed: '2' })).toMatchObject({ subsetRng: 'own', subsetSeed: 2 });
    expect(() => resolveSettings({ subsetRng: 'torch' })).toThrow(/--subset-rng torch/);
    expect(() => resolveSettings({ valPerClass: '-3' })).toThrow(/--val-per-class -3/);
  });
});
