#!/usr/bin/python3
"""Writes test/fixtures/losses/losses.json: the losses of torch.nn.functional in PyTorch 1.13
over random shapes and options, every reduction, with the gradients of sum(loss * r) (r random,
of the loss's shape) with respect to the input and, where the target is a float tensor, the
target.

    /usr/bin/python3 scripts/gen-fixtures-losses.py

Each case: the loss (its camelCased name), options (camelCased; tensors as arrays), inputs
(input, target), the output, r and the gradients (null where none). Arrays: {shape, dtype:
f32|i32, values}; float values as exact decimal strings. Seeded: a rerun writes the same file.
test/losses.test.ts runs the same cases with this library, on both backends.
"""
import json
import math
import os
import random

import torch
import torch.nn.functional as F

random.seed(11)
torch.manual_seed(11)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'losses', 'losses.json')


def fstr(v):
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return repr(float(v))


def enc(t):
    t = t.detach().contiguous()
    flat = t.reshape(-1).tolist()
    if t.dtype == torch.float32:
        return {'shape': list(t.shape), 'dtype': 'f32', 'values': [fstr(v) for v in flat]}
    return {'shape': list(t.shape), 'dtype': 'i32', 'values': [int(v) for v in flat]}


SHAPES = [[], [5], [3, 4], [2, 3, 2], [4, 1], [2, 2, 2, 3]]
REDUCTIONS = ['mean', 'sum', 'none']


def pointwise_inputs(kind):
    s = list(random.choice(SHAPES))
    if kind == 'prob':
        x = torch.rand(s) * 0.96 + 0.02
        y = torch.rand(s)
    elif kind == 'logprob':
        x = torch.log(torch.rand(s) * 0.9 + 0.05)
        y = torch.rand(s) * 0.9 + 0.05
    else:
        x = torch.randn(s) * 2
        y = torch.randn(s) * 2
    return x, y


def run(name, fn, inputs, options, target_grad):
    x, y = inputs
    x = x.clone().requires_grad_(True)
    if target_grad:
        y = y.clone().requires_grad_(True)
    out = fn(x, y)
    r = torch.randn(out.shape)
    (out * r).sum().backward()
    opts = {}
    for k, v in options.items():
        opts[k] = enc(v) if isinstance(v, torch.Tensor) else v
    return {
        'loss': name, 'options': opts, 'inputs': [enc(x), enc(y)], 'output': enc(out), 'r': enc(r),
        'grads': [enc(x.grad), enc(y.grad) if target_grad else None],
    }


def camel_to_torch(options):
    names = {'posWeight': 'pos_weight', 'logTarget': 'log_target', 'ignoreIndex': 'ignore_index',
             'labelSmoothing': 'label_smoothing'}
    return {names.get(k, k): v for k, v in options.items()}


cases = []
for _ in range(6):
    for reduction in REDUCTIONS:
        cases.append(run('mseLoss', lambda x, y: F.mse_loss(x, y, reduction=reduction),
                         pointwise_inputs('normal'), {'reduction': reduction}, True))
        cases.append(run('l1Loss', lambda x, y: F.l1_loss(x, y, reduction=reduction),
                         pointwise_inputs('normal'), {'reduction': reduction}, True))
        beta = random.choice([1.0, 0.5, 2.0, 0.1])
        cases.append(run('smoothL1Loss', lambda x, y: F.smooth_l1_loss(x, y, reduction=reduction, beta=beta),
                         pointwise_inputs('normal'), {'reduction': reduction, 'beta': beta}, True))
        delta = random.choice([1.0, 0.5, 2.0, 0.3])
        cases.append(run('huberLoss', lambda x, y: F.huber_loss(x, y, reduction=reduction, delta=delta),
                         pointwise_inputs('normal'), {'reduction': reduction, 'delta': delta}, True))
        x, y = pointwise_inputs('prob')
        opts = {'reduction': reduction}
        if random.random() < 0.5 and x.dim() > 0:
            opts['weight'] = torch.rand(x.shape[-1:]) + 0.5
        cases.append(run('binaryCrossEntropy',
                         lambda a, b: F.binary_cross_entropy(a, b, **camel_to_torch(opts)), (x, y), opts, True))
        x, y = pointwise_inputs('prob')
        x = torch.randn(x.shape) * 3
        opts = {'reduction': reduction}
        if random.random() < 0.5 and x.dim() > 0:
            opts['weight'] = torch.rand(x.shape[-1:]) + 0.5
        if random.random() < 0.6 and x.dim() > 0:
            opts['posWeight'] = torch.rand(x.shape[-1:]) * 3
        cases.append(run('binaryCrossEntropyWithLogits',
                         lambda a, b: F.binary_cross_entropy_with_logits(a, b, **camel_to_torch(opts)),
                         (x, y), opts, True))
    for reduction in REDUCTIONS + ['batchmean']:
        for log_target in [False, True]:
            x, y = pointwise_inputs('logprob')
            if log_target:
                y = torch.log(y)
            opts = {'reduction': reduction, 'logTarget': log_target}
            cases.append(run('klDiv', lambda a, b: F.kl_div(a, b, **camel_to_torch(opts)), (x, y), opts, True))


def class_targets(shape, classes, ignore):
    t = torch.randint(0, classes, shape)
    if ignore is not None:
        t[torch.rand(shape) < 0.25] = ignore
    return t


CE_SHAPES = [[4, 5], [5], [3, 4, 2], [2, 3, 2, 3], [2, 3, 2, 1, 2], [1, 3]]
for _ in range(5):
    for reduction in REDUCTIONS:
        for probabilities in [False, True]:
            s = list(random.choice(CE_SHAPES))
            classes = s[1] if len(s) > 1 else s[0]
            x = torch.randn(s) * 2
            opts = {'reduction': reduction}
            if random.random() < 0.5:
                opts['weight'] = torch.rand(classes) + 0.3
            if random.random() < 0.5:
                opts['labelSmoothing'] = random.choice([0.1, 0.25])
            if probabilities:
                y = torch.softmax(torch.randn(s), dim=1 if len(s) > 1 else 0)
            else:
                tshape = [s[0]] + s[2:] if len(s) > 1 else []
                ignore = None
                if random.random() < 0.5 and tshape:
                    ignore = random.choice([-100, 1])
                    if ignore != -100:
                        opts['ignoreIndex'] = ignore
                y = class_targets(tshape, classes, ignore)
            cases.append(run('crossEntropy', lambda a, b: F.cross_entropy(a, b, **camel_to_torch(opts)),
                             (x, y), opts, probabilities))
        s = list(random.choice(CE_SHAPES[:4]))
        classes = s[1] if len(s) > 1 else s[0]
        x = torch.log_softmax(torch.randn(s), dim=1 if len(s) > 1 else 0)
        opts = {'reduction': reduction}
        if random.random() < 0.5:
            opts['weight'] = torch.rand(classes) + 0.3
        tshape = [s[0]] + s[2:] if len(s) > 1 else []
        ignore = -100 if random.random() < 0.5 and tshape else None
        cases.append(run('nllLoss', lambda a, b: F.nll_loss(a, b, **camel_to_torch(opts)),
                         (x, class_targets(tshape, classes, ignore)), opts, False))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({'torch_version': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
    f.write('\n')
print(f'{len(cases)} cases -> {OUT}')
