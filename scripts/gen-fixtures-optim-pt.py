#!/usr/bin/python3
"""Writes test/fixtures/optim-pt/: optimizer state dicts saved by PyTorch 1.13's torch.save
after three steps (two parameter groups, every state field each optimizer keeps), the model's
parameters at that point, the gradients of a fourth step and the parameters after it, so that a
test can load PyTorch's optimizer state into torchlet's optimizer and take the fourth step.

    /usr/bin/python3 scripts/gen-fixtures-optim-pt.py

Then, when dist/ is built (`npm run build`), it runs node to convert each PyTorch state dict to
torchlet's and back (optim.toPyTorchStateDict) and io.save it, and checks that torch's optimizer
loads what torchlet wrote and takes the same fourth step.
"""
import json
import os
import subprocess
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'optim-pt')
os.makedirs(OUT, exist_ok=True)

CASES = {
    'sgd': (torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), dict(lr=0.05)),
    'sgd-nesterov': (torch.optim.SGD, dict(lr=0.1, momentum=0.8, nesterov=True, maximize=True), dict(momentum=0.5)),
    'adam': (torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True), dict(lr=0.02)),
    'adamw': (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.05), dict(eps=1e-6)),
    'rmsprop': (torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True), dict(lr=0.02)),
    'adagrad': (torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1), dict(lr=0.2)),
    'adadelta': (torch.optim.Adadelta, dict(lr=1.0, rho=0.8, weight_decay=0.01), dict(lr=0.5)),
}


def f32(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def params_for(seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(4, 3, generator=g).requires_grad_(), torch.randn(4, generator=g).requires_grad_(),
            torch.randn(2, 4, generator=g).requires_grad_()]


def make(cls, opts, group1, params):
    return cls([{'params': params[:2]}, {'params': params[2:], **group1}], **opts)


expected = {}
for name, (cls, opts, group1) in CASES.items():
    params = params_for(len(name))
    opt = make(cls, opts, group1, params)
    g = torch.Generator().manual_seed(100 + len(name))
    for _ in range(3):
        for p in params:
            p.grad = torch.randn(p.shape, generator=g)
        opt.step()
    torch.save({f'p{i}': p.detach().clone() for i, p in enumerate(params)}, os.path.join(OUT, f'{name}-params.pt'))
    torch.save(opt.state_dict(), os.path.join(OUT, f'{name}-optim.pt'))
    grads = [torch.randn(p.shape, generator=g) for p in params]
    for p, gr in zip(params, grads):
        p.grad = gr
    opt.step()
    expected[name] = {'grads': [f32(x) for x in grads], 'after': [f32(p) for p in params],
                      'shapes': [list(p.shape) for p in params]}

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
print('wrote', OUT)

# torch.optim loads what torchlet writes: node converts each file (PyTorch -> torchlet -> PyTorch) and saves it.
dist = os.path.join(ROOT, 'dist', 'src', 'index.js')
if not os.path.exists(dist):
    sys.exit('dist/ is not built: run `npm run build` to check the files torchlet writes')
tmp = os.path.join(OUT, '..', '..', '..', 'dist', 'optim-pt-roundtrip')
os.makedirs(tmp, exist_ok=True)
script = """
const t = require(%r);
for (const name of %s) {
  const sd = t.io.load(%r + '/' + name + '-optim.pt');
  t.io.save(t.optim.toPyTorchStateDict(t.optim.fromPyTorchStateDict(sd)), %r + '/' + name + '.pt');
}
""" % (dist, json.dumps(list(CASES)), OUT, tmp)
subprocess.run(['node', '-e', script], check=True)
for name, (cls, opts, group1) in CASES.items():
    loaded = torch.load(os.path.join(OUT, f'{name}-params.pt'))
    params = [loaded[f'p{i}'].clone().requires_grad_() for i in range(3)]
    opt = make(cls, opts, group1, params)
    opt.load_state_dict(torch.load(os.path.join(tmp, f'{name}.pt')))
    for p, gr in zip(params, expected[name]['grads']):
        p.grad = torch.tensor(gr).reshape(p.shape)
    opt.step()
    for p, after in zip(params, expected[name]['after']):
        assert f32(p) == after, name
print('torchlet-written optimizer state dicts loaded by torch.optim and stepped identically: OK')
