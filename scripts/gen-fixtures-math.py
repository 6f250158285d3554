#!/usr/bin/python3
"""Writes test/fixtures/math/math.json: elementwise math, comparisons, logical and masked ops,
type promotion and reductions in PyTorch 1.13, over random shapes (0-d, empty dims,
broadcasting), with NaN and ties among the inputs.

Run with Debian's interpreter (python3-torch): /usr/bin/python3 scripts/gen-fixtures-math.py

Each case: the op (a name test/math.test.ts knows), its arguments, its inputs, and either the
outputs and the gradients of sum(output_i * r_i) for random r_i with respect to every float
input, or `error` when PyTorch raises. Arrays: {shape, dtype: f32|i32|bool, values}; float
values are exact decimal strings ('NaN', 'Infinity', '-Infinity' for the others). int64
results (sums of ints and bools, indices) are written as i32, this library's widest integer.
Seeded: a rerun writes the same file.
"""
import json
import math
import os
import random

import torch

random.seed(10)
torch.manual_seed(10)


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
    if t.dtype == torch.bool:
        return {'shape': list(t.shape), 'dtype': 'bool', 'values': [int(v) for v in flat]}
    return {'shape': list(t.shape), 'dtype': 'i32', 'values': [int(v) for v in flat]}


def arg(v):
    """Arguments as JSON: infinities as strings."""
    if isinstance(v, float) and math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    if isinstance(v, (list, tuple)):
        return [arg(x) for x in v]
    return v


SHAPES = [[], [1], [5], [0], [3, 4], [2, 1, 3], [2, 0, 3], [4, 3, 2], [1, 5], [3, 1]]


def shape():
    return list(random.choice(SHAPES))


def broadcast_partner(s):
    """A shape that broadcasts with s: some trailing dims, some of them 1."""
    keep = random.randint(0, len(s))
    out = [d if random.random() < 0.6 else 1 for d in s[len(s) - keep:]]
    if keep == len(s) and random.random() < 0.3:
        out = [random.choice([1, 2])] + out
    return out


def make(s, kind='normal', nan=False):
    if kind == 'normal':
        t = torch.randn(s)
    elif kind == 'pos':
        t = torch.rand(s) * 3 + 0.1
    elif kind == 'unit':
        t = torch.rand(s) * 1.8 - 0.9
    elif kind == 'ties':
        t = torch.randint(-2, 3, s).float()
    elif kind == 'half':
        t = torch.randint(-6, 7, s).float() / 2
    elif kind == 'int':
        t = torch.randint(-5, 6, s, dtype=torch.int32)
    elif kind == 'bool':
        t = torch.rand(s) < 0.5
    else:
        raise ValueError(kind)
    if nan and t.numel() > 0 and t.dtype == torch.float32:
        t.view(-1)[random.randrange(t.numel())] = float('nan')
    return t


cases = []


def run(op, inputs, args, fn):
    ins = [t.clone().requires_grad_(True) if t.dtype == torch.float32 else t.clone() for t in inputs]
    case = {'op': op, 'args': {k: arg(v) for k, v in args.items()}, 'inputs': [enc(t) for t in ins]}
    try:
        outs = fn(*ins)
    except (RuntimeError, IndexError, ValueError) as e:
        case['error'] = str(e).split('\n')[0]
        cases.append(case)
        return
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    rs = [torch.randn(o.shape) for o in outs]
    case['outputs'] = [enc(o) for o in outs]
    case['r'] = [enc(r) for r in rs]
    floats = [t for t in ins if t.dtype == torch.float32]
    grads = [None] * len(floats)
    pieces = [(o * r).sum() for o, r in zip(outs, rs) if o.requires_grad]
    if pieces and floats:
        try:
            grads = list(torch.autograd.grad(sum(pieces), floats, allow_unused=True))
        except RuntimeError as e:
            case['gradError'] = str(e).split('\n')[0]
    case['grads'] = [enc(g) if g is not None else None for g in grads]
    cases.append(case)


# ---------------------------------------------------------------- elementwise math
UNARY = {
    'sin': ('normal', torch.sin), 'cos': ('normal', torch.cos), 'tan': ('unit', torch.tan),
    'tanh': ('normal', torch.tanh), 'sigmoid': ('normal', torch.sigmoid), 'exp': ('normal', torch.exp),
    'expm1': ('normal', torch.expm1), 'log': ('pos', torch.log), 'log1p': ('pos', torch.log1p),
    'log2': ('pos', torch.log2), 'sqrt': ('pos', torch.sqrt), 'rsqrt': ('pos', torch.rsqrt),
    'abs': ('normal', torch.abs), 'sign': ('normal', torch.sign), 'neg': ('normal', torch.neg),
    'reciprocal': ('pos', torch.reciprocal), 'floor': ('half', torch.floor), 'ceil': ('half', torch.ceil),
    'round': ('half', torch.round),
}
for name, (kind, fn) in UNARY.items():
    for i in range(3):
        # The third case of each op has a NaN; log and sqrt also see negative inputs there.
        k = 'normal' if i == 2 and kind == 'pos' else kind
        run(name, [make(shape(), k, nan=i == 2)], {}, fn)
    run(name, [make([4], 'int')], {}, fn)
for d in [1, 2, -1]:
    run('round', [make([6], 'normal') * 50], {'decimals': d}, lambda x, d=d: torch.round(x, decimals=d))
run('abs', [torch.tensor([0.0, -0.0, 2.0, -3.0])], {}, torch.abs)
run('clamp', [make([3, 4], 'normal', nan=True)], {'min': -0.5, 'max': 0.5}, lambda x: torch.clamp(x, -0.5, 0.5))

for _ in range(4):
    s = shape()
    for name, fn in [('maximum', torch.maximum), ('minimum', torch.minimum)]:
        run(name, [make(s, 'ties', nan=random.random() < 0.3), make(broadcast_partner(s), 'ties')], {}, fn)
run('maximum', [make([4], 'int'), make([4], 'normal')], {}, torch.maximum)
run('maximum', [make([3], 'int'), make([2, 1], 'int')], {}, torch.maximum)

for e in [2.0, 3.0, 0.5, -1.0, -1.5, 0.0, 2.5]:
    run('powScalar', [make([2, 3], 'normal', nan=e == 2.5)], {'exponent': e}, lambda x, e=e: torch.pow(x, e))
run('powScalar', [torch.tensor([0.0, -0.0, 1.0, -2.0])], {'exponent': -1.0}, lambda x: torch.pow(x, -1.0))
for _ in range(3):
    s = shape()
    run('powTensor', [make(s, 'pos'), make(broadcast_partner(s), 'normal')], {}, torch.pow)
run('powTensor', [torch.tensor([0.0, -1.0, 2.0, 0.0, 3.0]), torch.tensor([2.0, 0.5, 0.0, -1.0, 1.0])], {}, torch.pow)
run('powTensor', [make([2, 3], 'int'), torch.randint(0, 4, [3], dtype=torch.int32)], {}, torch.pow)
for base in [2.0, 0.5, 0.0]:
    run('powBase', [make([5], 'normal')], {'base': base}, lambda e, b=base: torch.pow(b, e))
run('powBase', [torch.randint(0, 5, [4], dtype=torch.int32)], {'base': 3}, lambda e: torch.pow(3, e))

for _ in range(3):
    s = shape()
    w = random.choice([0.25, 0.75, 1.0, -0.5])
    run('lerpScalar', [make(s), make(broadcast_partner(s))], {'weight': w}, lambda a, b, w=w: torch.lerp(a, b, w))
    run('lerpTensor', [make(s), make(s), make(broadcast_partner(s), 'unit')], {}, torch.lerp)

# ---------------------------------------------------------------- promotion, comparisons, logical
run('add', [make([3], 'int'), make([2, 3], 'bool')], {}, torch.add)
run('add', [make([2, 3], 'bool'), make([3], 'bool')], {}, torch.add)
run('mul', [make([2, 3], 'bool'), make([3], 'normal')], {}, torch.mul)
run('mul', [make([4], 'int'), make([4], 'int')], {}, torch.mul)
run('mulScalar', [make([4], 'int')], {'other': 3}, lambda x: x * 3)
run('mulScalar', [make([4], 'int')], {'other': 2.5}, lambda x: x * 2.5)
run('mulScalar', [make([4], 'bool')], {'other': 2.5}, lambda x: x * 2.5)
run('addScalar', [make([4], 'bool')], {'other': 1}, lambda x: x + 1)
run('div', [make([4], 'int'), make([4], 'int') * 0 + 2], {}, torch.div)
run('sub', [make([3], 'bool'), make([3], 'bool')], {}, torch.sub)
run('neg', [make([3], 'bool')], {}, torch.neg)
run('sumCompare', [make([6], 'ties'), make([6], 'ties')], {}, lambda a, b: (a == b).sum())

CMP = {'eq': torch.eq, 'ne': torch.ne, 'lt': torch.lt, 'le': torch.le, 'gt': torch.gt, 'ge': torch.ge}
for name, fn in CMP.items():
    s = shape()
    run(name, [make(s, 'ties', nan=True), make(broadcast_partner(s), 'ties')], {}, fn)
    run(name, [make([5], 'int'), make([5], 'ties')], {}, fn)
    run(name + 'Scalar', [make([2, 3], 'ties', nan=True)], {'other': 1}, lambda x, fn=fn: fn(x, 1))
    run(name + 'Scalar', [make([4], 'normal') / 10], {'other': 0.1}, lambda x, fn=fn: fn(x, 0.1))
run('eqScalar', [torch.tensor([0.1, 0.2, 0.1 + 1e-9])], {'other': 0.1}, lambda x: torch.eq(x, 0.1))
special = torch.tensor([1.0, float('nan'), float('inf'), -float('inf'), 0.0])
for name, fn in [('isnan', torch.isnan), ('isfinite', torch.isfinite), ('isinf', torch.isinf)]:
    run(name, [special], {}, fn)
    run(name, [make([3], 'int')], {}, fn)
LOGICAL = {'logicalAnd': torch.logical_and, 'logicalOr': torch.logical_or, 'logicalXor': torch.logical_xor}
for name, fn in LOGICAL.items():
    run(name, [make([2, 3], 'bool'), make([3], 'bool')], {}, fn)
    run(name, [make([4], 'ties', nan=True), make([4], 'int')], {}, fn)
run('logicalNot', [make([2, 3], 'bool')], {}, torch.logical_not)
run('logicalNot', [make([5], 'ties', nan=True)], {}, torch.logical_not)
for name, fn in [('any', torch.any), ('all', torch.all)]:
    run(name, [make([2, 3], 'bool')], {}, fn)
    run(name, [make([0], 'bool')], {}, fn)
    run(name, [make([3, 4], 'ties')], {'dim': 1}, lambda x, fn=fn: fn(x, 1))
    run(name, [make([2, 0, 3], 'bool')], {'dim': 1, 'keepdim': True}, lambda x, fn=fn: fn(x, 1, keepdim=True))
    run(name, [make([4, 2], 'int')], {'dim': 0}, lambda x, fn=fn: fn(x, 0))

# ---------------------------------------------------------------- masked
for _ in range(3):
    s = shape()
    cond = make(broadcast_partner(s), 'bool')
    run('where', [cond, make(s), make(broadcast_partner(s))], {}, torch.where)
    run('maskedFill', [make(s), make(broadcast_partner(s), 'bool')], {'value': -2.5},
        lambda x, m: torch.masked_fill(x, m, -2.5))
    run('maskedFillTensor', [make(s), make(broadcast_partner(s), 'bool'), make([])], {}, torch.masked_fill)
    run('maskedSelect', [make(s), make(broadcast_partner(s), 'bool')], {}, torch.masked_select)
run('whereScalar', [make([2, 3], 'bool'), make([2, 3])], {'other': 0.0}, lambda c, x: torch.where(c, x, 0.0))
run('where', [make([4], 'bool'), make([4], 'int'), make([4], 'normal')], {}, torch.where)
run('where', [make([4], 'int'), make([4]), make([4])], {}, torch.where)
run('maskedSelect', [make([2, 3]), make([3, 1], 'bool')], {}, torch.masked_select)
run('maskedFill', [make([4], 'int'), make([4], 'bool')], {'value': 7}, lambda x, m: torch.masked_fill(x, m, 7))

# ---------------------------------------------------------------- reductions


def dims_for(s):
    """Some dim arguments for shape s: None, one dim, a list, negative dims, []."""
    nd = max(len(s), 1)
    options = [None, random.randrange(-nd, nd), []]
    if len(s) >= 2:
        options.append(sorted(random.sample(range(len(s)), 2)))
        options.append([-1, 0])
    return options


for _ in range(5):
    s = shape()
    for dims in dims_for(s):
        keep = random.random() < 0.5
        nan = random.random() < 0.2
        a = {'dim': dims, 'keepdim': keep}
        if dims is None:
            run('sum', [make(s, nan=nan)], {}, lambda x: torch.sum(x))
            run('mean', [make(s, nan=nan)], {}, lambda x: torch.mean(x))
            run('amax', [make(s, 'ties', nan=nan)], {}, lambda x: torch.amax(x))
            if math.prod(s) != 1:
                # Of one element, torch 1.13's var backward raises (shape [1]) or gives -inf
                # (shape []) for a NaN forward; ours gives NaN.
                run('varAll', [make(s, nan=nan)], {}, lambda x: torch.var(x))
            run('norm', [make(s, nan=nan)], {'p': 'fro'}, lambda x: torch.norm(x))
            continue
        run('sum', [make(s, nan=nan)], a, lambda x, d=dims, k=keep: torch.sum(x, d, keepdim=k))
        run('mean', [make(s, nan=nan)], a, lambda x, d=dims, k=keep: torch.mean(x, d, keepdim=k))
        run('amax', [make(s, 'ties', nan=nan)], a, lambda x, d=dims, k=keep: torch.amax(x, d, keepdim=k))
        run('amin', [make(s, 'ties', nan=nan)], a, lambda x, d=dims, k=keep: torch.amin(x, d, keepdim=k))
        if dims != []:
            # torch 1.13's var_backward takes dim=[] as "no dims" (dof = 1 - correction) while its
            # forward reduces every dim, so its gradient there is wrong; test/gradcheck.test.ts
            # checks ours by finite differences instead.
            unbiased = random.random() < 0.6
            run('var', [make(s, nan=nan)], {**a, 'unbiased': unbiased},
                lambda x, d=dims, k=keep, u=unbiased: torch.var(x, d, unbiased=u, keepdim=k))
            run('std', [make(s, nan=nan)], {**a, 'unbiased': unbiased},
                lambda x, d=dims, k=keep, u=unbiased: torch.std(x, d, unbiased=u, keepdim=k))
            c = random.choice([0, 2])
            run('varCorrection', [make(s)], {**a, 'correction': c},
                lambda x, d=dims, k=keep, c=c: torch.var(x, d, correction=c, keepdim=k))
            run('logsumexp', [make(s, nan=nan)], a, lambda x, d=dims, k=keep: torch.logsumexp(x, d, keepdim=k))
        p = random.choice([2, 1, float('inf'), -float('inf'), 0, 3, 0.5, 'fro'])
        kind = 'ties' if p in (float('inf'), -float('inf'), 1, 0.5) else 'normal'
        run('norm', [make(s, kind, nan=nan)], {**a, 'p': p}, lambda x, d=dims, k=keep, p=p: torch.norm(x, p, d, keepdim=k))
run('logsumexp', [torch.tensor([[-float('inf'), -float('inf')], [float('inf'), 1.0], [2.0, 3.0]])], {'dim': 1, 'keepdim': False},
    lambda x: torch.logsumexp(x, 1))
run('norm', [torch.zeros(2, 3)], {'p': 2, 'dim': 1, 'keepdim': False}, lambda x: torch.norm(x, 2, 1))
run('norm', [torch.tensor([[0.0, 1.0], [2.0, -3.0]])], {'p': 1.5, 'dim': 1, 'keepdim': False}, lambda x: torch.norm(x, 1.5, 1))
run('norm', [torch.tensor([[0.0, 1.0], [2.0, -3.0]])], {'p': 0.5, 'dim': 1, 'keepdim': False}, lambda x: torch.norm(x, 0.5, 1))
run('std', [torch.tensor([[3.0, 3.0], [4.0, 5.0]])], {'dim': 1, 'keepdim': False, 'unbiased': True}, lambda x: torch.std(x, 1))
run('sum', [make([4], 'bool')], {}, lambda x: torch.sum(x))
run('sum', [make([2, 3], 'int')], {'dim': [0], 'keepdim': True}, lambda x: torch.sum(x, [0], keepdim=True))
run('amax', [make([2, 3], 'int')], {'dim': 1, 'keepdim': False}, lambda x: torch.amax(x, 1))
run('amin', [make([2, 0])], {'dim': 1, 'keepdim': False}, lambda x: torch.amin(x, 1))
run('amin', [make([2, 0])], {'dim': 0, 'keepdim': False}, lambda x: torch.amin(x, 0))
run('sum', [make([2, 3])], {'dim': [0, 0], 'keepdim': False}, lambda x: torch.sum(x, [0, 0]))
run('mean', [make([2, 3])], {'dim': [1, 2], 'keepdim': False}, lambda x: torch.mean(x, [1, 2]))
run('mean', [make([3], 'int')], {}, lambda x: torch.mean(x))

for _ in range(6):
    s = shape()
    nd = max(len(s), 1)
    d = random.randrange(-nd, nd)
    keep = random.random() < 0.5
    kind = random.choice(['normal', 'ties'])
    zeros = random.random() < 0.5
    x = make(s, kind)
    if zeros and x.numel() > 0:
        x.view(-1)[random.randrange(x.numel())] = 0.0
    run('prod', [x], {'dim': d, 'keepdim': keep}, lambda x, d=d, k=keep: torch.prod(x, d, keepdim=k))
    run('prodAll', [x], {}, lambda x: torch.prod(x))
    run('argmax', [make(s, 'ties', nan=random.random() < 0.3)], {'dim': d, 'keepdim': keep},
        lambda x, d=d, k=keep: torch.argmax(x, d, keepdim=k))
    run('argmin', [make(s, 'ties', nan=random.random() < 0.3)], {'dim': d, 'keepdim': keep},
        lambda x, d=d, k=keep: torch.argmin(x, d, keepdim=k))
    run('cumsum', [make(s, nan=random.random() < 0.2)], {'dim': d}, lambda x, d=d: torch.cumsum(x, d))
    if len(s) > 0 and s[d] > 0:
        k = random.randint(0, s[d])
        largest = random.random() < 0.6
        srt = random.random() < 0.7
        run('topk', [make(s)], {'k': k, 'dim': d, 'largest': largest, 'sorted': srt},
            lambda x, k=k, d=d, l=largest, so=srt: torch.topk(x, k, d, l, so))
for s in [[7], [4, 6], [3, 5, 2], [6, 3]]:
    for largest, srt in [(True, True), (False, True), (True, False), (False, False)]:
        d = random.randrange(-len(s), len(s))
        k = random.randint(1, s[d])
        run('topk', [make(s, 'normal', nan=random.random() < 0.3)], {'k': k, 'dim': d, 'largest': largest, 'sorted': srt},
            lambda x, k=k, d=d, l=largest, so=srt: torch.topk(x, k, d, l, so))
run('prod', [torch.tensor([[0.0, 2.0, 0.0], [3.0, 0.0, 4.0]])], {'dim': 1, 'keepdim': False}, lambda x: torch.prod(x, 1))
run('prodAll', [torch.randint(1, 4, [5], dtype=torch.int32)], {}, lambda x: torch.prod(x))
run('cumsum', [make([5], 'bool')], {'dim': 0}, lambda x: torch.cumsum(x, 0))
run('cumsum', [make([2, 3], 'int')], {'dim': 1}, lambda x: torch.cumsum(x, 1))
run('topk', [torch.tensor([3.0, 1.0, 3.0, float('nan'), 2.0, 1.0])], {'k': 3, 'dim': 0, 'largest': True, 'sorted': True},
    lambda x: torch.topk(x, 3))
run('topk', [torch.tensor([3.0, 1.0, 3.0, float('nan'), 2.0, 1.0])], {'k': 4, 'dim': 0, 'largest': False, 'sorted': True},
    lambda x: torch.topk(x, 4, largest=False))
run('topk', [make([2, 3])], {'k': 4, 'dim': 1, 'largest': True, 'sorted': True}, lambda x: torch.topk(x, 4, 1))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'math', 'math.json')
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out + '.tmp', 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f)
    f.write('\n')
os.replace(out + '.tmp', out)
print(f'wrote {len(cases)} cases')
