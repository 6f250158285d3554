#!/usr/bin/python3
"""Writes test/fixtures/print/print.json: str() of tensors as PyTorch 1.13 prints them.

Run with Debian's interpreter (python3-torch): /usr/bin/python3 scripts/gen-fixtures-print.py

Each case holds the tensor (float32 values as exact decimals, or int32), the print options
in effect, whether it requires grad, and PyTorch's str(). Seeded: a rerun writes the same file.
"""
import json
import os

import torch

torch.manual_seed(0)
cases = []


def add(t, options=None, requires_grad=False, grad_fn=False):
    options = options or {}
    torch.set_printoptions(profile='default')
    torch.set_printoptions(**options)
    t = t.clone()
    if requires_grad:
        t.requires_grad_(True)
    shown = t * 1 if grad_fn else t
    dtype = 'i32' if t.dtype == torch.int32 else 'f32'
    values = [float(v) for v in t.detach().reshape(-1).tolist()] if dtype == 'f32' else t.reshape(-1).tolist()
    cases.append({
        'shape': list(t.shape), 'dtype': dtype,
        # repr() of a Python float round-trips the float32 value exactly.
        'values': [repr(v) if dtype == 'f32' else v for v in values],
        'options': options, 'requiresGrad': requires_grad, 'gradFn': grad_fn,
        'str': str(shown),
    })


add(torch.tensor(3.0))
add(torch.tensor(0.123456))
add(torch.tensor(-2.5e-7))
add(torch.tensor([1.0, 2.0, 3.0]))
add(torch.tensor([0.1, 0.25, -3.75]))
add(torch.tensor([1e-5, 1.0, 100.0]))
add(torch.tensor([1e9, 1.0]))
add(torch.tensor([float('nan'), 1.5, float('inf'), -float('inf')]))
add(torch.tensor([float('nan'), 2.0, float('inf')]))
add(torch.tensor([0.0, 0.0]))
add(torch.tensor([0.03125, 0.15625, 2.5]))  # exact ties: Python rounds half to even
add(torch.randn(2, 3))
add(torch.randn(2, 3, 4))
add(torch.randn(3, 1, 2, 2))
add(torch.randn(100, 100))
add(torch.randn(2000))
add(torch.randn(30, 40, 2))
add(torch.arange(30, dtype=torch.float32))
add(torch.arange(12, dtype=torch.int32).reshape(3, 4))
add(torch.arange(2000, dtype=torch.int32))
add(torch.tensor([-5, 100000, 3], dtype=torch.int32))
add(torch.zeros(0))
add(torch.zeros(0, 3))
add(torch.zeros(2, 0, dtype=torch.int32))
add(torch.randn(3, 3), requires_grad=True)
add(torch.randn(3, 3), requires_grad=True, grad_fn=True)
add(torch.randn(30), requires_grad=True, grad_fn=True)
add(torch.randn(4, 4) * 1000)
add(torch.randn(5), {'precision': 2})
add(torch.randn(20), {'threshold': 5})
add(torch.randn(20, 20), {'threshold': 50, 'edgeitems': 2})
add(torch.randn(40), {'linewidth': 40})
add(torch.randn(4), {'sci_mode': True})
add(torch.tensor([1e-6, 1.0]), {'sci_mode': False})
add(torch.randn(3), {'profile': 'short'})
add(torch.randn(2000), {'profile': 'full'})
torch.set_printoptions(profile='default')

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'print', 'print.json')
tmp = out + '.tmp'
with open(tmp, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, indent=0)
    f.write('\n')
os.replace(tmp, out)
print(f'wrote {len(cases)} cases to {out}')
