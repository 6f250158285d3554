#!/usr/bin/python3
"""Writes test/fixtures/activations/activations.json: torch.nn's activation modules in PyTorch
1.13 (Tanh, Sigmoid, LeakyReLU, ELU, GELU both ways, SiLU, Softmax, LogSoftmax, Identity) over
random shapes and arguments, with the gradient of sum(output * r) for a random r.

    /usr/bin/python3 scripts/gen-fixtures-activations.py

Each case: module (PyTorch's class name), args (camelCased constructor arguments), input,
output, r, grad. Arrays: {shape, dtype: f32, values} with exact decimal strings. Seeded.
test/activations.test.ts runs the same cases with the modules and the functionals.
"""
import json
import os
import random

import torch
import torch.nn as nn

random.seed(12)
torch.manual_seed(12)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'activations', 'activations.json')


def enc(t):
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': 'f32', 'values': [repr(float(v)) for v in t.reshape(-1).tolist()]}


SHAPES = [[], [7], [3, 4], [2, 3, 4], [2, 2, 2, 3]]


def modules():
    yield 'Tanh', {}, nn.Tanh()
    yield 'Sigmoid', {}, nn.Sigmoid()
    yield 'Identity', {}, nn.Identity()
    slope = random.choice([0.01, 0.2, -0.5, 1.5])
    yield 'LeakyReLU', {'negativeSlope': slope}, nn.LeakyReLU(slope)
    alpha = random.choice([1.0, 0.5, 2.0])
    yield 'ELU', {'alpha': alpha}, nn.ELU(alpha)
    yield 'GELU', {'approximate': 'none'}, nn.GELU()
    yield 'GELU', {'approximate': 'tanh'}, nn.GELU(approximate='tanh')
    yield 'SiLU', {}, nn.SiLU()


cases = []
for _ in range(4):
    for name, args, module in modules():
        s = random.choice(SHAPES)
        x = (torch.randn(s) * 3).requires_grad_()
        out = module(x)
        r = torch.randn(out.shape)
        (out * r).sum().backward()
        cases.append({'module': name, 'args': args, 'input': enc(x), 'output': enc(out), 'r': enc(r), 'grad': enc(x.grad)})
    for name, cls in [('Softmax', nn.Softmax), ('LogSoftmax', nn.LogSoftmax)]:
        s = random.choice(SHAPES[1:])
        dim = random.randint(-len(s), len(s) - 1)
        x = (torch.randn(s) * 3).requires_grad_()
        out = cls(dim)(x)
        r = torch.randn(out.shape)
        (out * r).sum().backward()
        cases.append({'module': name, 'args': {'dim': dim}, 'input': enc(x), 'output': enc(out), 'r': enc(r), 'grad': enc(x.grad)})

# The kinks and edges: 0 for leaky_relu/elu, large magnitudes for gelu and silu.
edge = torch.tensor([0.0, -0.0, 1e-8, -1e-8, 6.0, -6.0, 12.0, -12.0, 40.0, -40.0])
for name, args, module in modules():
    x = edge.clone().requires_grad_()
    out = module(x)
    r = torch.linspace(-1, 1, 10)
    (out * r).sum().backward()
    cases.append({'module': name, 'args': args, 'input': enc(x), 'output': enc(out), 'r': enc(r), 'grad': enc(x.grad)})

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({'torch_version': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
    f.write('\n')
print(f'{len(cases)} cases -> {OUT}')
