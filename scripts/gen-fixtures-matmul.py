#!/usr/bin/python3
"""Writes test/fixtures/matmul/matmul.json: the matmul family in PyTorch 1.13.

Run with Debian's interpreter (python3-torch): /usr/bin/python3 scripts/gen-fixtures-matmul.py

Each case: the op (matmul, mm, bmm, mv, dot, outer, addmm, einsum), its inputs (float32 as
exact decimals), its arguments, the output, the gradients of sum(output * r) for a random r
with respect to every input, and the output's grad_fn name for contiguous inputs and for the
non-contiguous layout the test also builds (`nc` below; matmul's folding depends on strides).
Shapes are random over every matmul rule, with broadcast batch dims and size-0 dims. Seeded:
a rerun writes the same file.
"""
import json
import os
import random

import torch

random.seed(10)
torch.manual_seed(10)


def enc(t):
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'values': [repr(float(v)) for v in t.reshape(-1).tolist()]}


def nc(t):
    """The same values, not contiguous: the last two dims transposed in memory, or a 1-d stride of 2."""
    if t.dim() >= 2:
        return t.transpose(-1, -2).contiguous().transpose(-1, -2)
    if t.dim() == 1:
        return torch.stack([t, t], 1)[:, 0]
    return t


cases = []


def grad_fn_name(fn, inputs):
    out = fn(*[t.clone().requires_grad_(True) for t in inputs])
    return out.grad_fn.name() if out.grad_fn is not None else None


def run(op, inputs, fn, args=None):
    ins = [t.clone().requires_grad_(True) for t in inputs]
    out = fn(*ins)
    r = torch.randn(out.shape)
    grads = torch.autograd.grad((out * r).sum(), ins, allow_unused=True)
    cases.append({
        'op': op, 'args': args or {}, 'inputs': [enc(t) for t in ins], 'output': enc(out), 'r': enc(r),
        'grads': [enc(g) if g is not None else enc(torch.zeros(t.shape)) for g, t in zip(grads, ins)],
        'gradFn': grad_fn_name(fn, inputs),
        'gradFnNonContiguous': grad_fn_name(fn, [nc(t) for t in inputs]),
    })


def size(lo=1, hi=5, zero=0.1):
    return 0 if random.random() < zero else random.randint(lo, hi)


def batch_pair():
    """Two batch shapes that broadcast: ranks 0-3, each dim shared, 1 on one side, or missing."""
    rank = random.randint(1, 3)
    full = [size(2, 3, 0.05) for _ in range(rank)]
    a, b = list(full), list(full)
    for i in range(rank):
        c = random.random()
        if c < 0.25:
            a[i] = 1
        elif c < 0.5:
            b[i] = 1
    a = a[random.randint(0, rank):] if random.random() < 0.3 else a
    b = b[random.randint(0, rank):] if random.random() < 0.3 else b
    return a, b


matmul = lambda a, b: torch.matmul(a, b)  # noqa: E731
for _ in range(3):
    k = size()
    run('matmul', [torch.randn(k), torch.randn(k)], matmul)
    m, k, n = size(), size(), size()
    run('matmul', [torch.randn(m, k), torch.randn(k)], matmul)
    run('matmul', [torch.randn(k), torch.randn(k, n)], matmul)
    run('matmul', [torch.randn(m, k), torch.randn(k, n)], matmul)
for _ in range(10):
    ba, bb = batch_pair()
    m, k, n = size(), size(), size()
    rule = random.choice(['nd-1', 'nd-2', '1-nd', '2-nd', 'nd-nd', 'nd-nd'])
    if rule == 'nd-1':
        run('matmul', [torch.randn(ba + [m, k]), torch.randn(k)], matmul)
    elif rule == 'nd-2':
        run('matmul', [torch.randn(ba + [m, k]), torch.randn(k, n)], matmul)
    elif rule == '1-nd':
        run('matmul', [torch.randn(k), torch.randn(bb + [k, n])], matmul)
    elif rule == '2-nd':
        run('matmul', [torch.randn(m, k), torch.randn(bb + [k, n])], matmul)
    else:
        run('matmul', [torch.randn(ba + [m, k]), torch.randn(bb + [k, n])], matmul)
# Every rule at least once with rank-3+ operands, and size-0 dims in each position.
run('matmul', [torch.randn(2, 3, 4), torch.randn(4)], matmul)
run('matmul', [torch.randn(2, 3, 4), torch.randn(4, 5)], matmul)
run('matmul', [torch.randn(4), torch.randn(2, 4, 5)], matmul)
run('matmul', [torch.randn(3, 4), torch.randn(2, 4, 5)], matmul)
run('matmul', [torch.randn(2, 1, 3, 4), torch.randn(5, 4, 2)], matmul)
run('matmul', [torch.randn(0, 3, 4), torch.randn(4, 2)], matmul)
run('matmul', [torch.randn(2, 3, 0), torch.randn(2, 0, 4)], matmul)
run('matmul', [torch.randn(3, 0), torch.randn(0, 4)], matmul)
run('matmul', [torch.randn(0), torch.randn(0)], matmul)
nan = torch.randn(3, 4)
nan[1, 2] = float('nan')
run('matmul', [nan, torch.randn(4, 2)], matmul)

for _ in range(4):
    m, k, n = size(), size(), size()
    run('mm', [torch.randn(m, k), torch.randn(k, n)], lambda a, b: torch.mm(a, b))
    bt = size()
    run('bmm', [torch.randn(bt, m, k), torch.randn(bt, k, n)], lambda a, b: torch.bmm(a, b))
    run('mv', [torch.randn(m, k), torch.randn(k)], lambda a, b: torch.mv(a, b))
    run('dot', [torch.randn(k), torch.randn(k)], lambda a, b: torch.dot(a, b))
    run('outer', [torch.randn(m), torch.randn(n)], lambda a, b: torch.outer(a, b))
    ishape = random.choice([[m, n], [n], [1, n], [m, 1], []])
    beta, alpha = random.choice([(1.0, 1.0), (0.5, 2.0), (0.0, -1.5)])
    run('addmm', [torch.randn(ishape), torch.randn(m, k), torch.randn(k, n)],
        lambda i, a, b, beta=beta, alpha=alpha: torch.addmm(i, a, b, beta=beta, alpha=alpha), {'beta': beta, 'alpha': alpha})

EINSUM = [
    ('ij,jk->ik', [[3, 4], [4, 5]]),
    ('bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]),
    ('i,i->', [[5], [5]]),
    ('i,j->ij', [[3], [4]]),
    ('ij->ji', [[3, 4]]),
    ('ii->i', [[4, 4]]),
    ('ii->', [[4, 4]]),
    ('ij->', [[3, 4]]),
    ('ij->j', [[3, 4]]),
    ('bhqd,bhkd->bhqk', [[2, 3, 4, 5], [2, 3, 6, 5]]),
    ('ij,jk', [[3, 4], [4, 5]]),
    ('ba,ca', [[3, 4], [5, 4]]),
    ('ij,ij->ij', [[3, 4], [3, 4]]),
    ('ij,kj->ik', [[3, 4], [5, 4]]),
    ('i,ij->j', [[3], [3, 4]]),
    ('ij,jk,kl->il', [[2, 3], [3, 4], [4, 5]]),
    ('bn,anm,bm->ba', [[2, 3], [4, 3, 5], [2, 5]]),
    ('ij,j->i', [[3, 4], [1]]),
    ('ijk,ikl->jl', [[2, 3, 4], [2, 4, 5]]),
    ('ij,jk->ik', [[0, 4], [4, 5]]),
    ('ij,jk->ik', [[3, 0], [0, 5]]),
]
for eq, shapes in EINSUM:
    run('einsum', [torch.randn(s) for s in shapes], lambda *xs, eq=eq: torch.einsum(eq, *xs), {'equation': eq})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'matmul', 'matmul.json')
with open(out + '.tmp', 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
    f.write('\n')
os.replace(out + '.tmp', out)
print(f'wrote {len(cases)} cases')
