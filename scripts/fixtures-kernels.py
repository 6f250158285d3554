#!/usr/bin/env python3
"""Reference numbers from PyTorch 1.13 for the js backend's tests (test/kernels.test.ts).

Run with the system python that has torch (Debian's python3-torch):
    /usr/bin/python3 scripts/fixtures-kernels.py
It writes test/fixtures/kernels/torch-reference.json. Inputs are float32 and are stored
exactly (a float32 widened to a double prints exactly as a JSON number); the outputs are
computed by torch in float64 from those same float32 inputs, so the tests compare the js
reference against the exact answer, not against torch's own float32 rounding.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'kernels', 'torch-reference.json')


def f32(shape, scale=1.0):
    return (torch.randn(*shape) * scale).float()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def cross_entropy_cases():
    cases = []
    specs = [
        # name, batch, classes, weighted, ignore_index, ignored rows, label_smoothing
        ('plain', 5, 4, False, -100, [], 0.0),
        ('seed-shape', 4, 10, False, -100, [], 0.0),
        ('weighted', 6, 5, True, -100, [], 0.0),
        ('ignored', 6, 5, False, -100, [1, 4], 0.0),
        ('ignore-index-in-range', 6, 5, False, 2, [], 0.0),
        ('smoothing', 5, 7, False, -100, [], 0.1),
        ('smoothing-ignored', 6, 5, False, -100, [0, 3], 0.25),
        ('smoothing-weighted', 6, 5, True, -100, [], 0.2),
        ('smoothing-weighted-ignored', 7, 6, True, -100, [2, 5], 0.3),
        ('smoothing-one', 3, 4, True, -100, [1], 1.0),
        ('large-logits', 4, 3, False, -100, [], 0.1),
        ('one-class', 3, 1, False, -100, [], 0.1),
    ]
    for name, n, c, weighted, ignore_index, ignored, eps in specs:
        logits = f32((n, c), 30.0 if name == 'large-logits' else 2.0)
        targets = torch.randint(0, c, (n,))
        for i in ignored:
            targets[i] = ignore_index
        weight = (torch.rand(c) + 0.25).float() if weighted else None
        x = logits.double().requires_grad_(True)
        loss = F.cross_entropy(x, targets, weight=None if weight is None else weight.double(),
                               ignore_index=ignore_index, label_smoothing=eps)
        grad_loss = 0.75
        (loss * grad_loss).backward()
        cases.append({
            'name': name, 'batch': n, 'classes': c, 'ignoreIndex': ignore_index, 'labelSmoothing': eps,
            'weight': None if weight is None else flat(weight),
            'logits': flat(logits), 'targets': [int(t) for t in targets.tolist()],
            'loss': loss.item(), 'logProbs': flat(F.log_softmax(logits.double(), 1)),
            'gradLoss': grad_loss, 'gradLogits': flat(x.grad),
        })
    return cases


def conv_cases():
    cases = []
    specs = [
        # name, n, cin, h, w, cout, kh, kw, stride, padding, dilation, groups, bias
        ('basic', 2, 3, 7, 6, 4, 3, 3, (1, 1), (0, 0), (1, 1), 1, True),
        ('stride-pad', 1, 2, 9, 8, 3, 3, 2, (2, 3), (1, 2), (1, 1), 1, True),
        ('dilation', 2, 2, 10, 9, 2, 3, 3, (1, 2), (2, 1), (2, 3), 1, False),
        ('groups', 2, 4, 6, 7, 6, 3, 3, (1, 1), (1, 1), (1, 1), 2, True),
        ('depthwise', 1, 3, 5, 5, 3, 3, 3, (2, 2), (1, 1), (1, 1), 3, True),
        ('seed-conv1-like', 1, 3, 12, 12, 6, 5, 5, (1, 1), (0, 0), (1, 1), 1, True),
    ]
    for name, n, cin, h, w, cout, kh, kw, stride, padding, dilation, groups, has_bias in specs:
        x = f32((n, cin, h, w))
        wt = f32((cout, cin // groups, kh, kw), 0.5)
        b = f32((cout,)) if has_bias else None
        xd = x.double().requires_grad_(True)
        wd = wt.double().requires_grad_(True)
        bd = b.double().requires_grad_(True) if b is not None else None
        y = F.conv2d(xd, wd, bd, stride, padding, dilation, groups)
        gy = f32(tuple(y.shape))
        y.backward(gy.double())
        cases.append({
            'name': name, 'batch': n, 'inChannels': cin, 'inHeight': h, 'inWidth': w, 'outChannels': cout,
            'kernelSize': [kh, kw], 'stride': list(stride), 'padding': list(padding),
            'dilation': list(dilation), 'groups': groups,
            'outHeight': y.shape[2], 'outWidth': y.shape[3],
            'input': flat(x), 'weight': flat(wt), 'bias': None if b is None else flat(b),
            'output': flat(y), 'gradOutput': flat(gy), 'gradInput': flat(xd.grad),
            'gradWeight': flat(wd.grad), 'gradBias': None if bd is None else flat(bd.grad),
        })
    return cases


def pool_cases():
    cases = []
    specs = [
        # name, n, c, h, w, k, stride, padding
        ('seed-pool', 1, 2, 6, 6, (2, 2), (2, 2), (0, 0)),
        ('overlap-pad', 2, 2, 7, 5, (3, 3), (2, 1), (1, 1)),
        ('rect', 1, 1, 5, 8, (2, 4), (1, 3), (1, 2)),
    ]
    for name, n, c, h, w, k, stride, padding in specs:
        x = f32((n, c, h, w))
        xd = x.double().requires_grad_(True)
        y, idx = F.max_pool2d(xd, k, stride, padding, return_indices=True)
        gy = f32(tuple(y.shape))
        y.backward(gy.double())
        cases.append({
            'name': name, 'batch': n, 'channels': c, 'inHeight': h, 'inWidth': w,
            'kernelSize': list(k), 'stride': list(stride), 'padding': list(padding),
            'outHeight': y.shape[2], 'outWidth': y.shape[3],
            'input': flat(x), 'output': flat(y), 'argmax': [int(i) for i in idx.reshape(-1).tolist()],
            'gradOutput': flat(gy), 'gradInput': flat(xd.grad),
        })
    return cases


def sgd_cases():
    cases = []
    specs = [
        # name, lr, momentum, dampening, nesterov, weight_decay
        ('plain', 0.1, 0.0, 0.0, False, 0.0),
        ('seed', 0.001, 0.9, 0.0, False, 0.0),
        ('dampening-wd', 0.05, 0.8, 0.3, False, 0.01),
        ('nesterov-wd', 0.05, 0.9, 0.0, True, 0.001),
    ]
    for name, lr, momentum, dampening, nesterov, wd in specs:
        p0 = f32((7,))
        grads = [f32((7,)) for _ in range(3)]
        p = p0.double().clone().requires_grad_(True)
        opt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                              nesterov=nesterov, weight_decay=wd)
        params = []
        for g in grads:
            p.grad = g.double().clone()
            opt.step()
            params.append(flat(p))
        cases.append({
            'name': name, 'lr': lr, 'momentum': momentum, 'dampening': dampening, 'nesterov': nesterov,
            'weightDecay': wd, 'param': flat(p0), 'grads': [flat(g) for g in grads], 'params': params,
        })
    return cases


def main():
    data = {
        'generator': 'scripts/fixtures-kernels.py',
        'torch': torch.__version__,
        'crossEntropy': cross_entropy_cases(),
        'conv2d': conv_cases(),
        'maxPool2d': pool_cases(),
        'sgd': sgd_cases(),
    }
    with open(OUT, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
