#!/usr/bin/env python3
"""The PyTorch CPU peer of `aegl-gpu bench`: the training steps bench/train-step-cases.ts times,
done the way a PyTorch user would, on the same CPU. Started once by bench/pytorch-peer.ts; reads
one JSON request per line on stdin and answers one JSON line on stdout, so the bench can
interleave ours and PyTorch's timings in one run.

Requests:
  {"step": {"net": "fmnist"|"resnet32", "method": "ce"|"aegl", "reps": R}}
      → {"ms": median ms of R steps after one warm-up step}
  {"epoch": {"train": PATH, "test": PATH, "method": "ce"|"aegl", "epochs": 1}}
      → {"ms": one epoch of the default Fashion-MNIST run (or its AEGL fine-tune) plus the test evaluation}
       (PATH: raw uint8 images [N, 1, 28, 28] followed by N labels, written by the bench)

Same models as docs/PYTORCH.md (imported from its code blocks), batch 128, SGD momentum 0.9 with
weight decay, CE; the AEGL step attacks the batch's tail examples with NS = 3 PGD steps (batch
norm in eval mode, gradient with respect to the input only), marks the ones predicted as a head
class, and adds their mean CE to the batch loss in one forward of the batch and the adversarial
tail images, as aegl-gpu's default protocol. Threads: torch.set_num_threads(argv[1])."""
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
BATCH = 128
TAIL_IN_BATCH = 9
TAIL_FROM = 5
EPS = 1 / 255
ALPHA = EPS / 8
NS = 3


def models():
    """The module definitions of docs/PYTORCH.md (its first code block; the loader needs safetensors, this does not)."""
    scope = {}
    page = open(os.path.join(ROOT, 'docs', 'PYTORCH.md'), encoding='utf8').read()
    exec(re.findall(r'```python\n(.*?)```', page, re.S)[0], scope)
    return scope


MODELS = models()


def make(net):
    torch.manual_seed(0)
    if net == 'resnet32':
        return MODELS['ResNet32'](10, 3), (3, 32)
    return MODELS['FashionCNN'](10, 1, 28), (1, 28)


def synthetic_batch(channels, side):
    """The bench's batch: 9 tail examples (labels 5–9) first, head labels after, hashed pixels."""
    n = BATCH * channels * side * side
    i = torch.arange(n, dtype=torch.int64)
    images = ((i * 2654435761) % (1 << 32)) >> 24
    x = (images.float() / 255).view(BATCH, channels, side, side)
    y = torch.tensor([5 + (k % 5) if k < TAIL_IN_BATCH else k % 5 for k in range(BATCH)])
    return x, y


def aegl_loss(model, x, y):
    tail = y >= TAIL_FROM
    x_tail, y_tail = x[tail], y[tail]
    if len(y_tail) == 0:
        return F.cross_entropy(model(x), y)
    model.eval()
    x_adv = (x_tail + torch.empty_like(x_tail).uniform_(-EPS, EPS)).clamp(0, 1)
    gae = torch.zeros(len(y_tail), dtype=torch.bool)
    for _ in range(NS):
        x_adv.requires_grad_(True)
        logits = model(x_adv)
        gae |= logits.argmax(1) < TAIL_FROM
        grad, = torch.autograd.grad(F.cross_entropy(logits, y_tail), x_adv)
        x_adv = torch.min(torch.max(x_adv.detach() + ALPHA * grad.sign(), x_tail - EPS), x_tail + EPS).clamp(0, 1)
    with torch.no_grad():
        gae |= model(x_adv).argmax(1) < TAIL_FROM
    model.train()
    logits = model(torch.cat([x, x_adv]))
    rows = len(y)
    loss = F.cross_entropy(logits[:rows], y)
    if gae.any():
        loss = loss + F.cross_entropy(logits[rows:][gae], y_tail[gae])
    return loss


STEPS = {}


def time_step(net, method, reps):
    key = (net, method)
    if key not in STEPS:
        model, (channels, side) = make(net)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=2e-4)
        x, y = synthetic_batch(channels, side)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = aegl_loss(model, x, y) if method == 'aegl' else F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        step()  # warm-up: allocations, oneDNN primitive creation
        STEPS[key] = step
    step = STEPS[key]
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def read_split(path):
    raw = open(path, 'rb').read()
    n = len(raw) // (28 * 28 + 1)
    images = torch.frombuffer(bytearray(raw[:n * 784]), dtype=torch.uint8).view(n, 1, 28, 28)
    labels = torch.frombuffer(bytearray(raw[n * 784:]), dtype=torch.uint8).long()
    return images, labels


def time_epoch(train_path, test_path, method, epochs):
    """An epoch of the default Fashion-MNIST run (CE: shuffled batches of 128, lr 0.05 with a cosine
    decay) or of its AEGL fine-tune (lr 1e-5, the attack on each batch's tail examples), then the
    test set."""
    images, labels = read_split(train_path)
    test_images, test_labels = read_split(test_path)
    model, _ = make('fmnist')
    aegl = method == 'aegl'
    opt = torch.optim.SGD(model.parameters(), lr=1e-5 if aegl else 0.05, momentum=0.9, weight_decay=5e-4)
    steps = (len(labels) + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps * epochs)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(labels))
        for k in range(steps):
            idx = order[k * BATCH:(k + 1) * BATCH]
            x, y = images[idx].float() / 255, labels[idx]
            opt.zero_grad(set_to_none=True)
            (aegl_loss(model, x, y) if aegl else F.cross_entropy(model(x), y)).backward()
            opt.step()
            if not aegl:
                sched.step()
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(test_images[i:i + 256].float() / 255).argmax(1) == test_labels[i:i + 256]).sum()) for i in range(0, len(test_labels), 256))
    return (time.perf_counter() - start) * 1000 / epochs, 100.0 * correct / len(test_labels)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count()
    torch.set_num_threads(threads)
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if 'step' in request:
                s = request['step']
                answer = {'ms': time_step(s['net'], s['method'], s['reps'])}
            else:
                e = request['epoch']
                ms, top1 = time_epoch(e['train'], e['test'], e.get('method', 'ce'), e.get('epochs', 1))
                answer = {'ms': ms, 'top1': top1}
        except Exception as err:  # reported to the bench as this row's failure
            answer = {'error': f'{type(err).__name__}: {err}'}
        print(json.dumps(answer), flush=True)


if __name__ == '__main__':
    main()
