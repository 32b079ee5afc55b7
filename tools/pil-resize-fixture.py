#!/usr/bin/env python3
"""Writes test/fixtures/pil-resize.json: what Pillow does to small synthetic images, for
test/data-resize.test.ts. Run once with Pillow installed (the tests need only the JSON):
    python3 tools/pil-resize-fixture.py
Cases: Image.resize(BILINEAR) up and down, torchvision's Resize(S) + CenterCrop(S) written out
with PIL calls (shorter side to S, the other int(S * long / short); crop offsets
int(round((size - S) / 2))), and convert('L')."""
import json
import os
import PIL
from PIL import Image


def pattern(w, h, seed):
    """An RGB image whose pixels follow a fixed formula (the test rebuilds it)."""
    img = Image.new('RGB', (w, h))
    img.putdata([((x * 37 + y * 11 + seed) % 256, (x * 5 + y * 53 + 2 * seed) % 256, (x * y * 7 + 3 * seed) % 256) for y in range(h) for x in range(w)])
    return img


def planar(img):
    bands = img.split()
    return [v for band in bands for v in band.tobytes()]


def resize_center_crop(img, size):
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize((new_w, new_h), Image.BILINEAR)
    top = int(round((new_h - size) / 2.0))
    left = int(round((new_w - size) / 2.0))
    return img.crop((left, top, left + size, top + size))


cases = []
for (w, h), (ow, oh), seed in [((7, 5), (3, 2), 1), ((3, 2), (7, 5), 2), ((13, 11), (5, 4), 3), ((16, 16), (4, 4), 4), ((9, 9), (9, 9), 5)]:
    cases.append({'op': 'resize', 'in': [w, h], 'out': [ow, oh], 'seed': seed, 'pixels': planar(pattern(w, h, seed).resize((ow, oh), Image.BILINEAR))})
for (w, h), size, seed in [((20, 12), 8, 6), ((12, 20), 8, 7), ((31, 17), 10, 8), ((6, 9), 12, 9)]:
    cases.append({'op': 'resize-center-crop', 'in': [w, h], 'size': size, 'seed': seed, 'pixels': planar(resize_center_crop(pattern(w, h, seed), size))})
cases.append({'op': 'grey', 'in': [7, 5], 'seed': 10, 'pixels': list(pattern(7, 5, 10).convert('L').tobytes())})

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'pil-resize.json')
with open(out, 'w') as f:
    json.dump({'pillow': PIL.__version__, 'cases': cases}, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {out} with Pillow {PIL.__version__}: {len(cases)} cases')
