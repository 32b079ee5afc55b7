#!/usr/bin/env python3
"""Runs docs/PYTORCH.md's code on an aegl-gpu checkpoint: loads it into the PyTorch modules the
page defines (strict=True), evaluates the test set the card names, and prints top-1 and per-class
accuracy, to set beside `aegl-gpu eval --checkpoint CHECKPOINT`. Needs PyTorch and safetensors
(Debian: python3-torch; safetensors from pip). Usage:
    python3 tools/pytorch-check.py CHECKPOINT [--data-dir DIR]"""
import argparse
import gzip
import json
import os
import re
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
DEFAULT_DIRS = {'fmnist': '/usr/share/datasets/fashion-mnist', 'cifar10': os.path.join(ROOT, '..', 'shared', 'data', 'cifar-10-batches-bin')}


def read(path):
    """A file, or its .gz beside it."""
    for p, opener in ((path, open), (path + '.gz', gzip.open)):
        if os.path.exists(p):
            with opener(p, 'rb') as f:
                return f.read()
    sys.exit(f'{path}: not found (nor {path}.gz)')


def fashion_test(d):
    images = read(os.path.join(d, 't10k-images-idx3-ubyte'))
    labels = read(os.path.join(d, 't10k-labels-idx1-ubyte'))
    n = int.from_bytes(images[4:8], 'big')
    x = torch.frombuffer(bytearray(images[16:]), dtype=torch.uint8).view(n, 1, 28, 28)
    return x, torch.frombuffer(bytearray(labels[8:]), dtype=torch.uint8).long()


def cifar10_test(d):
    records = torch.frombuffer(bytearray(read(os.path.join(d, 'test_batch.bin'))), dtype=torch.uint8).view(-1, 3073)
    return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].long()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkpoint')
    ap.add_argument('--data-dir')
    a = ap.parse_args()
    page = open(os.path.join(ROOT, 'docs', 'PYTORCH.md'), encoding='utf8').read()
    scope = {}
    for block in re.findall(r'```python\n(.*?)```', page, re.S):
        exec(block, scope)
    model, card = scope['load_aegl'](a.checkpoint)
    readers = {'fmnist': fashion_test, 'cifar10': cifar10_test}
    if card['dataset'] not in readers:
        sys.exit(f"{a.checkpoint}: dataset {card['dataset']} (this check reads fmnist and cifar10)")
    x, y = readers[card['dataset']](a.data_dir or DEFAULT_DIRS[card['dataset']])
    with torch.no_grad():
        predicted = torch.cat([model(scope['prepare'](x[i:i + 500], card)).argmax(1) for i in range(0, len(y), 500)])
    classes = json.loads(card['classes'])
    per_class = {name: 100.0 * float((predicted[y == c] == c).float().mean()) for c, name in enumerate(classes)}
    print(json.dumps({'torch': torch.__version__, 'top1': 100.0 * float((predicted == y).float().mean()), 'perClass': per_class}))


if __name__ == '__main__':
    main()
