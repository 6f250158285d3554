#!/usr/bin/python3
"""Writes test/fixtures/batchnorm/batchnorm.json: torch.nn.BatchNorm1d / BatchNorm2d in PyTorch
1.13 over several train-mode steps (output, the gradients of sum(out * r) for input, weight and
bias, the buffers after the step), then one eval-mode step, for several option sets
(momentum incl. None, affine, track_running_stats, eps); and LayerNorm / GroupNorm, one
step each (output, gradients, repr).

    /usr/bin/python3 scripts/gen-fixtures-batchnorm.py

Seeded; test/batchnorm.test.ts runs the same sequence.
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(14)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'batchnorm', 'batchnorm.json')


def enc(t):
    if t is None:
        return None
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'values': [repr(float(v)) for v in t.reshape(-1).tolist()]}


CONFIGS = [
    ('BatchNorm2d', [4, 3, 5, 5], {}),
    ('BatchNorm2d', [2, 3, 4, 3], {'momentum': None}),
    ('BatchNorm2d', [3, 2, 3, 3], {'affine': False, 'eps': 1e-3}),
    ('BatchNorm2d', [3, 2, 2, 2], {'trackRunningStats': False}),
    ('BatchNorm1d', [6, 4], {'momentum': 0.3}),
    ('BatchNorm1d', [3, 4, 5], {}),
]
TORCH_NAMES = {'trackRunningStats': 'track_running_stats'}

cases = []
for name, shape, options in CONFIGS:
    kwargs = {TORCH_NAMES.get(k, k): v for k, v in options.items()}
    m = getattr(nn, name)(shape[1], **kwargs)
    if m.affine:
        with torch.no_grad():
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.5, 0.5)
    case = {'module': name, 'options': options, 'weight': enc(m.weight), 'bias': enc(m.bias), 'steps': []}
    for step in range(4):
        training = step < 3
        m.train(training)
        x = (torch.randn(shape) * 2 + 1).requires_grad_()
        if m.affine:
            m.weight.grad = None
            m.bias.grad = None
        out = m(x)
        r = torch.randn(out.shape)
        (out * r).sum().backward()
        case['steps'].append({
            'training': training, 'input': enc(x), 'output': enc(out), 'r': enc(r), 'gradInput': enc(x.grad),
            'gradWeight': enc(m.weight.grad) if m.affine else None, 'gradBias': enc(m.bias.grad) if m.affine else None,
            'stateDict': {k: enc(v.float()) for k, v in m.state_dict().items()},
        })
    cases.append(case)

# LayerNorm and GroupNorm: one step each (no running state), random affine parameters.
norms = []
for name, args, options, shape in [
    ('LayerNorm', [[5]], {}, [3, 5]),
    ('LayerNorm', [[3, 4]], {'eps': 1e-3}, [2, 2, 3, 4]),
    ('LayerNorm', [[4]], {'elementwiseAffine': False}, [2, 3, 4]),
    ('GroupNorm', [2, 4], {}, [3, 4, 2, 3]),
    ('GroupNorm', [3, 6], {'affine': False}, [2, 6, 5]),
    ('GroupNorm', [1, 3], {'eps': 1e-2}, [2, 3, 2, 2]),
]:
    kwargs = {{'elementwiseAffine': 'elementwise_affine'}.get(k, k): v for k, v in options.items()}
    m = getattr(nn, name)(*args, **kwargs)
    if m.weight is not None:
        with torch.no_grad():
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.5, 0.5)
    x = (torch.randn(shape) * 2 + 1).requires_grad_()
    out = m(x)
    r = torch.randn(out.shape)
    (out * r).sum().backward()
    norms.append({'module': name, 'args': args, 'options': options, 'weight': enc(m.weight), 'bias': enc(m.bias),
                  'input': enc(x), 'output': enc(out), 'r': enc(r), 'gradInput': enc(x.grad),
                  'gradWeight': enc(m.weight.grad) if m.weight is not None else None,
                  'gradBias': enc(m.bias.grad) if m.bias is not None else None, 'repr': repr(m)})

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({'torch_version': torch.__version__, 'cases': cases, 'norms': norms}, f, separators=(',', ':'))
    f.write('\n')
print(f'{len(cases)} cases -> {OUT}')
