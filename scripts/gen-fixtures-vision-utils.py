#!/usr/bin/python3
"""Writes the fixtures of test/data-vision-utils.test.ts: torchvision 0.14's utils.make_grid and
utils.save_image (Debian's python3-torchvision) on random inputs.

- test/fixtures/vision/make_grid.json: cases of make_grid(input, **options) with the input
  (a batch, a list of images, one 3-D or 2-D image; 1 and 3 channels) and the grid it returns,
  float32 exact (base64), over random shapes and options: normalize with and without
  value_range, scale_each, padding 0, nrow larger than the batch, a pad_value.
- test/fixtures/vision/save_image/<name>.png and save_image.json: the PNG files
  save_image(input, path, **options) writes, with the inputs; the inputs include values
  outside [0, 1] and values k/255 +- a little, where the rounding of mul(255).add_(0.5) decides.

Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-fixtures-vision-utils.py
"""
import base64
import json
import os

import torch
import torchvision
from torchvision.utils import make_grid, save_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'vision')
PNG_DIR = os.path.join(OUT, 'save_image')

CAMEL = {'nrow': 'nrow', 'padding': 'padding', 'normalize': 'normalize', 'value_range': 'valueRange',
         'scale_each': 'scaleEach', 'pad_value': 'padValue'}

gen = torch.Generator().manual_seed(20261201)


def f32(t):
    a = t.detach().contiguous().float().numpy().astype('<f4')
    return {'shape': list(a.shape), 'dtype': 'f32', 'b64': base64.b64encode(a.tobytes()).decode('ascii')}


def random_input(shape, kind):
    """Values of a few kinds: in [0, 1), spread over [-2, 3), or near the quantization steps k/255."""
    if kind == 'unit':
        return torch.rand(shape, generator=gen)
    if kind == 'wide':
        return torch.rand(shape, generator=gen) * 5 - 2
    # k/255 or (k + 0.5)/255, nudged by about a float32 ulp or two either way: mul(255).add_(0.5)
    # then lands on or next to an integer, where the truncation to uint8 decides
    k = torch.randint(-3, 259, shape, generator=gen).float()
    half = torch.randint(0, 2, shape, generator=gen).float() * 0.5
    nudge = torch.randint(-2, 3, shape, generator=gen).float() * 6e-8
    return (k + half) / 255 + nudge


def camel(options):
    out = {}
    for k, v in options.items():
        out[CAMEL[k]] = list(v) if isinstance(v, tuple) else v
    return out


def grid_case(name, shape, kind, options, as_list=False):
    x = random_input(shape, kind) if kind != 'constant' else torch.full(shape, 0.25)
    arg = list(x.unbind(0)) if as_list else x
    grid = make_grid(arg, **options)
    return {'name': name, 'input': f32(x), 'asList': as_list, 'options': camel(options), 'grid': f32(grid)}


def grid_cases():
    cases = [
        grid_case('batch 1ch defaults', (10, 1, 5, 7), 'unit', {}),
        grid_case('batch 3ch nrow 4', (9, 3, 4, 6), 'unit', {'nrow': 4}),
        grid_case('nrow larger than batch', (3, 3, 5, 5), 'unit', {'nrow': 10}),
        grid_case('padding 0', (6, 1, 4, 4), 'unit', {'padding': 0, 'nrow': 3}),
        grid_case('padding 3 pad_value 0.5', (5, 3, 3, 4), 'wide', {'padding': 3, 'pad_value': 0.5, 'nrow': 2}),
        grid_case('normalize', (7, 3, 4, 5), 'wide', {'normalize': True}),
        grid_case('normalize 1ch', (4, 1, 6, 3), 'wide', {'normalize': True, 'nrow': 3}),
        grid_case('normalize value_range', (6, 3, 4, 4), 'wide', {'normalize': True, 'value_range': (-1.0, 1.5)}),
        grid_case('normalize value_range ints', (6, 1, 4, 4), 'wide', {'normalize': True, 'value_range': (-1, 2)}),
        grid_case('normalize value_range 0.1 0.7', (5, 3, 3, 3), 'unit', {'normalize': True, 'value_range': (0.1, 0.7)}),
        grid_case('normalize scale_each', (5, 3, 4, 4), 'wide', {'normalize': True, 'scale_each': True}),
        grid_case('normalize scale_each 1ch', (5, 1, 4, 4), 'wide', {'normalize': True, 'scale_each': True, 'nrow': 2}),
        grid_case('normalize scale_each value_range', (4, 3, 3, 5), 'wide',
                  {'normalize': True, 'scale_each': True, 'value_range': (-0.5, 0.5)}),
        grid_case('scale_each without normalize', (4, 3, 3, 3), 'wide', {'scale_each': True}),
        grid_case('single image batch', (1, 3, 5, 6), 'unit', {}),
        grid_case('single 1ch image batch normalize', (1, 1, 5, 6), 'wide', {'normalize': True}),
        grid_case('3-D image 3ch', (3, 4, 7), 'unit', {}),
        grid_case('3-D image 1ch', (1, 4, 7), 'wide', {'normalize': True}),
        grid_case('2-D image', (6, 5), 'unit', {'padding': 1}),
        grid_case('list of 3ch images', (5, 3, 4, 4), 'unit', {'nrow': 2}, as_list=True),
        grid_case('list of 1ch images', (3, 1, 4, 4), 'wide', {'normalize': True}, as_list=True),
        # every value the same: normalize divides by the 1e-5 floor of the range
        grid_case('constant images normalize', (3, 1, 3, 3), 'constant', {'normalize': True}),
    ]
    # Random shapes and options.
    r = torch.Generator().manual_seed(7)
    for i in range(12):
        def pick(n):
            return int(torch.randint(0, n, (1,), generator=r))
        b, c, h, w = 1 + pick(11), [1, 3][pick(2)], 1 + pick(8), 1 + pick(8)
        options = {'nrow': 1 + pick(9), 'padding': pick(4)}
        if pick(2):
            options['normalize'] = True
            if pick(2):
                options['value_range'] = (round(-1 + pick(10) / 10, 1), round(0.5 + pick(10) / 5, 1))
            if pick(2):
                options['scale_each'] = True
        if pick(2):
            options['pad_value'] = pick(5) / 4
        cases.append(grid_case(f'random {i}', (b, c, h, w), ['unit', 'wide', 'steps'][pick(3)], options))
    return cases


def save_cases():
    os.makedirs(PNG_DIR, exist_ok=True)
    specs = [
        ('mnist_like_batch', (20, 1, 28, 28), 'unit', {}),
        ('reconstruction_nrow8', (16, 1, 28, 28), 'steps', {'nrow': 8}),
        ('rgb_wide_values', (6, 3, 9, 11), 'wide', {'nrow': 4, 'padding': 1}),
        ('steps_3d', (3, 13, 17), 'steps', {}),
        ('steps_2d', (19, 23), 'steps', {}),
        ('normalize_pad_value', (5, 3, 6, 6), 'wide', {'normalize': True, 'pad_value': 0.75, 'nrow': 3}),
        ('rgba_single', (4, 5, 6), 'steps', {}),
    ]
    cases = []
    for name, shape, kind, options in specs:
        x = random_input(shape, kind)
        file = name + '.png'
        save_image(x, os.path.join(PNG_DIR, file), **options)
        cases.append({'name': name, 'file': file, 'input': f32(x), 'options': camel(options)})
    return cases


def main():
    grids = grid_cases()
    saves = save_cases()
    meta = {'generator': 'scripts/gen-fixtures-vision-utils.py', 'torch': torch.__version__,
            'torchvision': torchvision.__version__}
    with open(os.path.join(OUT, 'make_grid.json'), 'w') as f:
        json.dump({**meta, 'cases': grids}, f, separators=(',', ':'))
    with open(os.path.join(OUT, 'save_image.json'), 'w') as f:
        json.dump({**meta, 'cases': saves}, f, indent=1)
    print('wrote', len(grids), 'make_grid cases and', len(saves), 'PNG files under', os.path.relpath(OUT, ROOT))


if __name__ == '__main__':
    main()
