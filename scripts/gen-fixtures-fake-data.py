#!/usr/bin/python3
"""Writes test/fixtures/vision/fake_data.json for test/data-fake-data.test.ts: torchvision 0.14's
datasets.FakeData (Debian's python3-torchvision) -- the images it returns (PIL images, stored
as their bytes in CHW order) and labels, for several image sizes (1 to 4 channels, a 2-D size,
fewer than 16 values, which torch draws with its scalar normal path), offsets and class counts;
with transforms.ToTensor the float32 tensors themselves. The default 3x224x224 images are
stored as a sha256 of their bytes. About a third of randn's draws lie outside [-1, 1], so the
bytes record how ToPILImage's mul(255).byte() wraps them.

Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-fixtures-fake-data.py
"""
import base64
import hashlib
import json
import os

import numpy as np
import torch
import torchvision
from torchvision import datasets, transforms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'vision', 'fake_data.json')


def chw_bytes(img):
    """A PIL image's bytes in CHW order (what torchlet's uint8 images hold)."""
    a = np.asarray(img)
    if a.ndim == 2:
        a = a[:, :, None]
    return np.ascontiguousarray(a.transpose(2, 0, 1))


CASES = [
    {'name': 'rgb 8x8', 'options': {'size': 6, 'image_size': (3, 8, 8)}, 'indices': [0, 1, 2, 5]},
    {'name': 'gray, offset, 3 classes', 'options': {'size': 4, 'image_size': (1, 5, 7), 'num_classes': 3, 'random_offset': 100}, 'indices': [0, 3]},
    {'name': 'fewer than 16 values', 'options': {'size': 3, 'image_size': (1, 3, 5), 'num_classes': 1000}, 'indices': [0, 1, 2]},
    {'name': 'rgba', 'options': {'size': 2, 'image_size': (4, 6, 6)}, 'indices': [1]},
    {'name': 'gray+alpha', 'options': {'size': 2, 'image_size': (2, 4, 4)}, 'indices': [0]},
    {'name': '2-d size', 'options': {'size': 2, 'image_size': (9, 9), 'num_classes': 2}, 'indices': [0, 1]},
    {'name': 'dcgan 3x16x16 to tensor', 'options': {'size': 10, 'image_size': (3, 16, 16)}, 'transform': 'ToTensor', 'indices': [0, 7, 9]},
]


def main():
    torch.manual_seed(12345)
    before = torch.get_rng_state()
    cases = []
    for case in CASES:
        kw = dict(case['options'])
        if case.get('transform') == 'ToTensor':
            kw['transform'] = transforms.ToTensor()
        ds = datasets.FakeData(**kw)
        items = []
        for i in case['indices']:
            img, target = ds[i]
            if isinstance(img, torch.Tensor):
                data = img.numpy().astype('<f4')
                items.append({'index': i, 'target': target, 'shape': list(data.shape), 'f32': base64.b64encode(data.tobytes()).decode('ascii')})
            else:
                data = chw_bytes(img)
                items.append({'index': i, 'target': target, 'mode': img.mode, 'shape': list(data.shape), 'u8': base64.b64encode(data.tobytes()).decode('ascii')})
        options = {('imageSize' if k == 'image_size' else 'numClasses' if k == 'num_classes' else 'randomOffset' if k == 'random_offset' else k): (list(v) if isinstance(v, tuple) else v)
                   for k, v in case['options'].items()}
        cases.append({'name': case['name'], 'options': options, 'transform': case.get('transform'), 'length': len(ds), 'items': items})
    default = datasets.FakeData()
    digests = []
    for i in [0, 999]:
        img, target = default[i]
        digests.append({'index': i, 'target': target, 'sha256': hashlib.sha256(chw_bytes(img).tobytes()).hexdigest()})
    # FakeData leaves the global generator as it found it.
    untouched = bool(torch.equal(before, torch.get_rng_state()))
    fixture = {'torchvision': torchvision.__version__, 'torch': torch.__version__, 'cases': cases,
               'default': {'length': len(default), 'items': digests}, 'globalRngUntouched': untouched}
    with open(OUT, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print('wrote', OUT)


if __name__ == '__main__':
    main()
