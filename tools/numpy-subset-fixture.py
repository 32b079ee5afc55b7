#!/usr/bin/env python3
"""Writes test/fixtures/numpy-subsets.json: the long-tail subsets that kaidic/LDAM-DRW's
IMBALANCECIFAR10/100 keeps, computed with numpy itself (its legacy global RNG), for
test/data-numpy-subset.test.ts to compare our TypeScript port with. Run once; needs numpy.

Each case names a label layout the test rebuilds without data files:
  round-robin-C: label of record i is i % C (the shared CIFAR-10 copy's order, and CIFAR-100-like);
  mixed-10: label of record i is (7*i + i // 13) % 10 (classes not evenly interleaved).
"""
import hashlib, json, sys
import numpy as np

def labels_of(layout, n):
    i = np.arange(n, dtype=np.int64)
    if layout.startswith('round-robin-'):
        return i % int(layout.split('-')[-1])
    if layout == 'mixed-10':
        return (7 * i + i // 13) % 10
    raise ValueError(layout)

def ldam_drw_subset(targets, rho, seed):
    # IMBALANCECIFAR10.__init__: np.random.seed(rand_number), get_img_num_per_cls, gen_imbalanced_data.
    np.random.seed(seed)
    classes = np.unique(targets)
    cls_num = len(classes)
    img_max = len(targets) / cls_num
    counts = [int(img_max * (rho ** (c / (cls_num - 1.0)))) for c in range(cls_num)]
    kept = []
    for the_class, n in zip(classes, counts):
        idx = np.where(targets == the_class)[0]
        np.random.shuffle(idx)
        kept.append(idx[:n])
    return [len(k) for k in kept], kept

cases = []
for layout, n, rho, seed in [('round-robin-10', 50000, 0.01, 0), ('round-robin-10', 50000, 0.1, 0),
                             ('round-robin-100', 50000, 0.01, 0), ('mixed-10', 50000, 0.02, 1)]:
    counts, kept = ldam_drw_subset(labels_of(layout, n), rho, seed)
    all_indices = ','.join(str(int(v)) for k in kept for v in k)
    cases.append({
        'layout': layout, 'records': n, 'imbalance': rho, 'seed': seed, 'counts': counts,
        'first20': [[int(v) for v in k[:20]] for k in kept],
        'sha256': hashlib.sha256(all_indices.encode()).hexdigest(),
    })
head = {'generator': 'tools/numpy-subset-fixture.py', 'numpy': np.__version__,
        'hash_of': 'the kept positions, class by class in shuffled order, joined by commas'}
# One case a line: a small, diffable file.
sys.stdout.write(json.dumps(head)[:-1] + ', "cases": [\n' + ',\n'.join(json.dumps(c) for c in cases) + '\n]}\n')
