#!/usr/bin/python3
"""Writes test/fixtures/random/multinomial.json: torch 1.13's torch.multinomial on CPU under
manual_seed (Debian's build, no MKL), for test/multinomial.test.ts to compare index for index.

Run with Debian's interpreter: /usr/bin/python3 scripts/fixtures-multinomial.py

Each case: seed, the weights (float32, as a flat list with their shape), num_samples,
replacement, the indices drawn, and `after`: torch.rand(3) drawn next, so that the number of
draws must be torch's too. The weights include zeros, a dominant entry, unnormalized rows and
exp(log_softmax / temperature) as word_language_model/generate.py samples them.
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'random', 'multinomial.json')

cases = []


def weights(seed, shape):
    g = torch.Generator().manual_seed(1000 + seed)
    w = torch.rand(shape, generator=g) * 3
    w[w < 0.6] = 0  # some categories can never be drawn
    if len(shape) == 1:
        w[0] = 0.5
    else:
        w[:, 0] = 0.5  # no row sums to zero
    return w


def case(seed, w, n, replacement):
    torch.manual_seed(seed)
    out = torch.multinomial(w, n, replacement)
    after = torch.rand(3)
    cases.append({
        'seed': seed, 'shape': list(w.shape), 'weights': w.reshape(-1).tolist(), 'numSamples': n,
        'replacement': replacement, 'indices': out.reshape(-1).tolist(), 'outShape': list(out.shape),
        'after': after.tolist(),
    })


for seed in [0, 1, 1111, 2**40 + 3]:
    for shape in [[1], [5], [33], [300], [3, 7], [4, 50]]:
        w = weights(seed, shape)
        case(seed, w, 1, False)
        case(seed, w, 1, True)
        if shape[-1] >= 3:
            # every weight positive: with fewer positive weights than samples, the zero-weight
            # picks tie (p / q = 0) and come in the order of topk's partial sort, not reproduced
            case(seed, w.clamp(min=0.01), 3, False)
        case(seed, w, 5, True)
    # generate.py's weights: output.squeeze().div(temperature).exp() of a log_softmax
    logits = torch.randn(40, generator=torch.Generator().manual_seed(seed))
    for temperature in [1.0, 0.5, 2.0]:
        case(seed, torch.log_softmax(logits, 0).div(temperature).exp(), 1, False)

with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
    f.write('\n')
print('wrote', os.path.normpath(OUT), len(cases), 'cases')
