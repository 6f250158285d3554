#!/usr/bin/python3
"""Writes test/fixtures/nn-utils/nn-utils.json: torch.nn.utils.clip_grad_norm_ /
clip_grad_value_ on random gradients (the clipped gradients and the returned total norm),
torch.nn.init.calculate_gain, and the spread each nn.init function gives on a large tensor
(the bound of the uniform ones, the std of the normal ones: different generators, so tests
compare the distribution, not the values).

    /usr/bin/python3 scripts/gen-fixtures-nn-utils.py

Seeded; test/nn-utils.test.ts reads it.
"""
import json
import math
import os
import random

import torch
import torch.nn as nn

random.seed(13)
torch.manual_seed(13)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'nn-utils', 'nn-utils.json')


def enc(t):
    return {'shape': list(t.shape), 'values': [repr(float(v)) for v in t.detach().reshape(-1).tolist()]}


clip_norm = []
for _ in range(12):
    shapes = [random.choice([[3], [2, 3], [4, 1, 2], []]) for _ in range(random.randint(1, 3))]
    params = [torch.zeros(s, requires_grad=True) for s in shapes]
    grads = [torch.randn(s) * random.choice([0.1, 1, 10]) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    max_norm = random.choice([0.5, 1.0, 5.0, 100.0])
    norm_type = random.choice([2.0, 1.0, 3.0, math.inf])
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    clip_norm.append({
        'grads': [enc(g) for g in grads], 'maxNorm': max_norm,
        'normType': 'Infinity' if math.isinf(norm_type) else norm_type,
        'total': repr(float(total)), 'clipped': [enc(p.grad) for p in params],
    })

clip_value = []
for _ in range(4):
    g = torch.randn(3, 4) * 2
    p = torch.zeros(3, 4, requires_grad=True)
    p.grad = g.clone()
    v = random.choice([0.1, 0.5, 1.0, -1.0])
    nn.utils.clip_grad_value_([p], v)
    clip_value.append({'grad': enc(g), 'clipValue': v, 'clipped': enc(p.grad)})

gains = []
for name, param in [('linear', None), ('conv2d', None), ('sigmoid', None), ('tanh', None), ('relu', None),
                    ('leaky_relu', None), ('leaky_relu', 0.2), ('selu', None), ('conv_transpose2d', None)]:
    gains.append({'nonlinearity': name, 'param': param, 'gain': nn.init.calculate_gain(name, param)})

spread = []
for shape in [[200, 300], [64, 32, 3, 3]]:
    cases = [
        ('kaimingUniform_', {}, lambda t: nn.init.kaiming_uniform_(t)),
        ('kaimingUniform_', {'a': math.sqrt(5)}, lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5))),
        ('kaimingUniform_', {'mode': 'fan_out', 'nonlinearity': 'relu'},
         lambda t: nn.init.kaiming_uniform_(t, mode='fan_out', nonlinearity='relu')),
        ('kaimingNormal_', {}, lambda t: nn.init.kaiming_normal_(t)),
        ('kaimingNormal_', {'mode': 'fan_out', 'nonlinearity': 'relu'},
         lambda t: nn.init.kaiming_normal_(t, mode='fan_out', nonlinearity='relu')),
        ('xavierUniform_', {'gain': 1.0}, lambda t: nn.init.xavier_uniform_(t)),
        ('xavierUniform_', {'gain': 5 / 3}, lambda t: nn.init.xavier_uniform_(t, gain=5 / 3)),
        ('xavierNormal_', {'gain': 1.0}, lambda t: nn.init.xavier_normal_(t)),
        ('xavierNormal_', {'gain': 2.0}, lambda t: nn.init.xavier_normal_(t, gain=2.0)),
        ('uniform_', {'a': -0.3, 'b': 0.7}, lambda t: nn.init.uniform_(t, -0.3, 0.7)),
        ('normal_', {'mean': 0.5, 'std': 0.2}, lambda t: nn.init.normal_(t, 0.5, 0.2)),
    ]
    for name, args, f in cases:
        t = f(torch.empty(shape))
        spread.append({'init': name, 'args': args, 'shape': shape, 'min': float(t.min()), 'max': float(t.max()),
                       'mean': float(t.mean()), 'std': float(t.std())})

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({'torch_version': torch.__version__, 'clipGradNorm': clip_norm, 'clipGradValue': clip_value,
               'calculateGain': gains, 'spread': spread}, f, indent=0)
    f.write('\n')
print(f'-> {OUT}')
