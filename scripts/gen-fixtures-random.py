#!/usr/bin/python3
"""Writes test/fixtures/random/random.json: torch 1.13's CPU random draws under manual_seed, for
test/random.torch.test.ts to compare bit for bit.

Run with Debian's interpreter (python3-torch): /usr/bin/python3 scripts/gen-fixtures-random.py

Each case: seed, op, args, and either `f32` (base64 little-endian float32) or `ints`. After
each case's draws, `after` holds torch.rand(3) drawn next, so the test also checks that the
generator ended where torch's did (the right number of draws, the cached normal).
"""
import base64
import json
import math
import os

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

SEEDS = [0, 1, 42, 2**40 + 3]
SIZES = [0, 1, 7, 15, 16, 17, 100, 1000]


def f32(t):
    return base64.b64encode(t.detach().contiguous().to(torch.float32).numpy().tobytes()).decode('ascii')


cases = []


def case(seed, op, args, run):
    torch.manual_seed(seed)
    out = run()
    entry = {'seed': seed, 'op': op, 'args': args}
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        entry['shape'] = list(out.shape)
        entry['f32'] = f32(out)
    elif isinstance(out, torch.Tensor):
        entry['ints'] = out.reshape(-1).tolist()
    else:
        entry['ints'] = out
    entry['after'] = f32(torch.rand(3))
    cases.append(entry)


def linspace(n, lo, hi):
    return torch.linspace(lo, hi, n)


for seed in SEEDS:
    for n in SIZES:
        case(seed, 'rand', [n], lambda: torch.rand(n))
        case(seed, 'uniform_', [n, -2.5, 3.25], lambda: torch.empty(n).uniform_(-2.5, 3.25))
        case(seed, 'randn', [n], lambda: torch.randn(n))
        case(seed, 'normal_', [n, 0.3, 1.7], lambda: torch.empty(n).normal_(0.3, 1.7))
        case(seed, 'normal', [n, 0.5, 2.0], lambda: torch.normal(0.5, 2.0, (n,)))
        case(seed, 'normalMeanTensor', [n, 0.5], lambda: torch.normal(linspace(n, -1, 1), 0.5))
        case(seed, 'normalStdTensor', [n, 0.25], lambda: torch.normal(0.25, linspace(n, 0.1, 2)))
        case(seed, 'normalBothTensors', [n], lambda: torch.normal(linspace(n, -1, 1), linspace(n, 0.1, 2)))
        case(seed, 'randint', [n, -5, 13], lambda: torch.randint(-5, 13, (n,)))
        case(seed, 'randperm', [n], lambda: torch.randperm(n))
        case(seed, 'bernoulli', [n], lambda: torch.bernoulli(linspace(n, 0, 1)))
        case(seed, 'bernoulli_', [n, 0.3], lambda: torch.empty(n).bernoulli_(0.3))
        for p in [0.5, 0.2]:
            case(seed, 'dropout', [n, p], lambda: F.dropout(linspace(n, -3, 3), p, True))
            case(seed, 'Dropout', [n, p], lambda: torch.nn.Dropout(p)(linspace(n, -3, 3)))
    # The cached normal carries over between calls and manual_seed drops it.
    case(seed, 'randnThenRandn', [7, 3], lambda: torch.cat([torch.randn(7), torch.randn(3)]))
    case(seed, 'randnThenRand', [7, 5], lambda: torch.cat([torch.randn(7), torch.rand(5), torch.randn(1)]))
    case(seed, 'randnRandnBig', [3, 20, 1], lambda: torch.cat([torch.randn(3), torch.randn(20), torch.randn(1)]))
    # Non-contiguous tensors: torch draws in TensorIterator's order (memory order when transposed);
    # normal_ takes the scalar path whatever the size.
    for shape in [[3, 4], [5, 8]]:
        case(seed, 'uniformT', shape, lambda: torch.empty(shape).t().uniform_(-1, 2))
        case(seed, 'normalT', shape, lambda: torch.empty(shape).t().normal_(0.5, 2))
        case(seed, 'bernoulliT', shape, lambda: torch.empty(shape).t().bernoulli_(0.4))
        case(seed, 'bernoulliTensorT', shape,
             lambda: torch.empty(shape).t().bernoulli_(torch.linspace(0, 1, shape[0] * shape[1]).reshape(shape[1], shape[0])))
        case(seed, 'uniformStrided', shape, lambda: torch.empty(shape[0], 2 * shape[1])[:, ::2].uniform_())
        case(seed, 'normalPermuted3d', shape, lambda: torch.empty(2, shape[0], shape[1]).permute(2, 0, 1).normal_())
        case(seed, 'initUniformT', shape, lambda: torch.nn.init.uniform_(torch.empty(shape).t(), -0.1, 0.2))
        case(seed, 'initNormalT', shape, lambda: torch.nn.init.normal_(torch.empty(shape).t(), 0.1, 0.02))
    # nn.init on contiguous weights.
    for shape in [[3, 4], [8, 5], [16, 3, 3, 3]]:
        case(seed, 'kaimingUniform_', shape, lambda: torch.nn.init.kaiming_uniform_(torch.empty(shape), a=math.sqrt(5)))
        case(seed, 'kaimingNormal_', shape, lambda: torch.nn.init.kaiming_normal_(torch.empty(shape)))
        case(seed, 'xavierUniform_', shape, lambda: torch.nn.init.xavier_uniform_(torch.empty(shape)))
        case(seed, 'xavierNormal_', shape, lambda: torch.nn.init.xavier_normal_(torch.empty(shape)))
        case(seed, 'initUniform_', shape, lambda: torch.nn.init.uniform_(torch.empty(shape), -0.1, 0.2))
        case(seed, 'initNormal_', shape, lambda: torch.nn.init.normal_(torch.empty(shape), 0.1, 0.02))

    # Default initialisation of layers: weight, then bias.
    def linear(i, o, bias=True):
        m = torch.nn.Linear(i, o, bias=bias)
        return torch.cat([m.weight.reshape(-1)] + ([m.bias] if bias else []))

    def conv(i, o, k, bias=True):
        m = torch.nn.Conv2d(i, o, k, bias=bias)
        return torch.cat([m.weight.reshape(-1)] + ([m.bias] if bias else []))

    case(seed, 'Linear', [3, 4, True], lambda: linear(3, 4))
    case(seed, 'Linear', [20, 10, True], lambda: linear(20, 10))
    case(seed, 'Linear', [5, 3, False], lambda: linear(5, 3, False))
    case(seed, 'Linear', [50, 20, True], lambda: linear(50, 20))
    case(seed, 'Conv2d', [3, 6, 3, True], lambda: conv(3, 6, 3))
    case(seed, 'Conv2d', [1, 32, 3, True], lambda: conv(1, 32, 3))
    case(seed, 'Conv2d', [2, 4, 1, False], lambda: conv(2, 4, 1, False))

    # DataLoader shuffle: two epochs, then the stream position.
    for n in [1, 7, 10, 100]:
        def epochs(shuffle, generator=None):
            loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=4, shuffle=shuffle, generator=generator)
            return [[int(i) for batch in loader for i in batch[0]] for _ in range(2)]
        case(seed, 'DataLoader', [n, True, None], lambda: epochs(True))
        case(seed, 'DataLoader', [n, False, None], lambda: epochs(False))
        case(seed, 'DataLoader', [n, True, 7], lambda: epochs(True, torch.Generator().manual_seed(7)))
    for n, lengths in [(10, [3, 7]), (10, [0.3, 0.7]), (100, [50, 25, 25]), (7, [7])]:
        case(seed, 'randomSplit', [n, lengths, None], lambda: [s.indices for s in random_split(range(n), lengths)])
        case(seed, 'randomSplit', [n, lengths, 42],
             lambda: [s.indices for s in random_split(range(n), lengths, generator=torch.Generator().manual_seed(42))])

# A fresh torch.Generator() and one seeded with each seed.
for seed in SEEDS:
    g = torch.Generator().manual_seed(seed)
    cases.append({'seed': None, 'op': 'GeneratorRand', 'args': [seed, 20], 'f32': f32(torch.rand(20, generator=g)),
                  'initialSeed': str(g.initial_seed())})
g = torch.Generator()
cases.append({'seed': None, 'op': 'GeneratorRand', 'args': [None, 20], 'f32': f32(torch.rand(20, generator=g)),
              'initialSeed': str(g.initial_seed())})
torch.manual_seed(-1)
cases.append({'seed': None, 'op': 'negativeSeed', 'args': [-1], 'initialSeed': str(torch.initial_seed()),
              'f32': f32(torch.rand(5))})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'random', 'random.json')
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out + '.tmp', 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, indent=0)
    f.write('\n')
os.replace(out + '.tmp', out)
print(f'wrote {len(cases)} cases')
