#!/usr/bin/python3
"""Writes test/fixtures/activations/inplace.json for test/activations.test.ts: nn.LeakyReLU(slope,
inplace=True) and nn.ReLU(inplace=True) in PyTorch 1.13, applied to a non-leaf (y = x * 1.5,
as DCGAN applies them to a convolution's or batch norm's output): the output (which is y
itself), y's version afterwards, its grad_fn's name, x.grad after (out * w).sum().backward(),
and the repr. Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-fixtures-activations-inplace.py
"""
import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'test', 'fixtures', 'activations', 'inplace.json')

torch.manual_seed(0)
cases = []
for name, module in [('LeakyReLU', nn.LeakyReLU(0.2, inplace=True)), ('ReLU', nn.ReLU(True))]:
    x = torch.randn(2, 3, 2, 2).requires_grad_()
    w = torch.randn(2, 3, 2, 2)
    y = x * 1.5
    out = module(y)
    version = y._version
    grad_fn = type(out.grad_fn).__name__
    (out * w).sum().backward()
    cases.append({'module': name, 'repr': repr(module), 'x': x.detach().reshape(-1).tolist(), 'w': w.reshape(-1).tolist(),
                  'shape': list(x.shape), 'out': out.detach().reshape(-1).tolist(), 'same': out is y, 'version': version,
                  'gradFn': grad_fn, 'xGrad': x.grad.reshape(-1).tolist()})
# A negative slope works forward; backward refuses (the result's sign no longer tells the input's).
x = torch.randn(4).requires_grad_()
out = nn.LeakyReLU(-0.5, inplace=True)(x * 1)
try:
    out.sum().backward()
    negative = None
except RuntimeError as e:
    negative = str(e)
with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'negativeSlopeError': negative}, f, indent=1)
    f.write('\n')
print('wrote', OUT)
