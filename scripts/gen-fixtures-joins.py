#!/usr/bin/python3
"""Writes test/fixtures/joins/joins.json: joins, splits, gathers and scatters in PyTorch 1.13.

Run with Debian's interpreter (python3-torch): /usr/bin/python3 scripts/gen-fixtures-joins.py

Each case: the op, its inputs (float32 as exact decimals, indices as int lists), its
arguments, the outputs, and the gradients of sum(output_i * r_i) for random r_i with respect
to every float input. Seeded: a rerun writes the same file.
"""
import json
import os
import random

import torch

random.seed(1)
torch.manual_seed(1)


def enc(t):
    t = t.detach().contiguous()
    if t.dtype == torch.float32:
        return {'shape': list(t.shape), 'dtype': 'f32', 'values': [repr(float(v)) for v in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'i32', 'values': [int(v) for v in t.reshape(-1).tolist()]}


def shape(nd, lo=1, hi=4):
    return [random.randint(lo, hi) for _ in range(nd)]


cases = []


def run(op, inputs, args, fn):
    ins = [t.clone().requires_grad_(True) if t.dtype == torch.float32 else t for t in inputs]
    outs = fn(*ins)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    rs = [torch.randn(o.shape) for o in outs]
    total = sum((o * r).sum() for o, r in zip(outs, rs))
    floats = [t for t in ins if t.dtype == torch.float32]
    grads = torch.autograd.grad(total, floats, allow_unused=True)
    cases.append({
        'op': op, 'args': args, 'inputs': [enc(t) for t in ins], 'outputs': [enc(o) for o in outs],
        'r': [enc(r) for r in rs],
        'grads': [enc(g) if g is not None else None for g in grads],
    })


for _ in range(6):
    nd = random.randint(1, 3)
    base = shape(nd)
    dim = random.randrange(-nd, nd)
    k = random.randint(1, 3)
    parts = []
    for _ in range(k):
        s = list(base)
        s[dim] = random.randint(0, 3)
        parts.append(torch.randn(s))
    run('cat', parts, {'dim': dim}, lambda *xs, dim=dim: torch.cat(xs, dim))
for _ in range(4):
    nd = random.randint(0, 3)
    s = shape(nd)
    dim = random.randrange(-nd - 1, nd + 1)
    xs = [torch.randn(s) for _ in range(random.randint(1, 3))]
    run('stack', xs, {'dim': dim}, lambda *xs, dim=dim: torch.stack(xs, dim))
for _ in range(4):
    nd = random.randint(1, 3)
    s = shape(nd, 1, 6)
    dim = random.randrange(nd)
    size = random.randint(1, 4)
    run('split', [torch.randn(s)], {'splitSize': size, 'dim': dim}, lambda x, size=size, dim=dim: torch.split(x, size, dim))
    chunks = random.randint(1, 5)
    run('chunk', [torch.randn(s)], {'chunks': chunks, 'dim': dim}, lambda x, c=chunks, dim=dim: torch.chunk(x, c, dim))
    run('unbind', [torch.randn(s)], {'dim': dim}, lambda x, dim=dim: torch.unbind(x, dim))
for _ in range(5):
    nd = random.randint(1, 3)
    s = shape(nd, 2, 4)
    dim = random.randrange(nd)
    ishape = [random.randint(1, v) for v in s]
    ishape[dim] = random.randint(1, 5)
    index = torch.randint(0, s[dim], ishape, dtype=torch.int64)
    run('gather', [torch.randn(s), index.int()], {'dim': dim}, lambda x, i, dim=dim: torch.gather(x, dim, i.long()))
    # src the shape of index: torch 1.13's backward fails for a larger src.
    src = torch.randn(ishape)
    run('scatterAdd', [torch.randn(s), index.int(), src], {'dim': dim},
        lambda x, i, y, dim=dim: torch.scatter_add(x, dim, i.long(), y))
    # scatter: one index per slot along dim so no two src elements collide.
    sc_shape = list(ishape)
    sc_shape[dim] = 1
    sc_index = torch.randint(0, s[dim], sc_shape, dtype=torch.int64)
    sc_src = torch.randn(sc_shape)
    run('scatter', [torch.randn(s), sc_index.int(), sc_src], {'dim': dim},
        lambda x, i, y, dim=dim: torch.scatter(x, dim, i.long(), y))
    sel = torch.randint(-s[dim], s[dim], [random.randint(0, 5)])
    run('indexSelect', [torch.randn(s), sel.int()], {'dim': dim}, lambda x, i, dim=dim: torch.index_select(x, dim, i.long() % x.shape[dim]))
for _ in range(4):
    nd = random.randint(0, 3)
    s = shape(nd)
    reps = [random.randint(1, 3) for _ in range(nd + random.randint(0, 1))]
    run('repeat', [torch.randn(s)], {'sizes': reps}, lambda x, reps=reps: x.repeat(*reps))
    tdims = [random.randint(1, 3) for _ in range(random.randint(1, nd + 1))]
    run('tile', [torch.randn(s)], {'dims': tdims}, lambda x, t=tdims: torch.tile(x, t))
for _ in range(4):
    nd = random.randint(1, 3)
    s = shape(nd)
    dims = random.sample(range(nd), random.randint(1, nd))
    run('flip', [torch.randn(s)], {'dims': dims}, lambda x, d=dims: torch.flip(x, d))
    shifts = [random.randint(-5, 5) for _ in dims]
    run('roll', [torch.randn(s)], {'shifts': shifts, 'dims': dims}, lambda x, sh=shifts, d=dims: torch.roll(x, sh, d))
    run('roll', [torch.randn(s)], {'shifts': [3]}, lambda x: torch.roll(x, 3))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'joins', 'joins.json')
with open(out + '.tmp', 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
    f.write('\n')
os.replace(out + '.tmp', out)
print(f'wrote {len(cases)} cases')
