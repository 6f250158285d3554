"""Shared by the fixture scripts of the ported examples (scripts/examples/*.ts).

Each script runs the original PyTorch program's logic with the small settings the TypeScript
port's main() uses by default, records what it prints (the arguments of each print call), its
starting values and its final values, and writes test/fixtures/examples/<name>.json.
Run with Debian's PyTorch: /usr/bin/python3 scripts/examples/py/<name>.py
"""
import base64
import json
import os
import struct
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'examples')


def values(t):
    """A tensor as a flat list of floats (row-major), or a number as is."""
    if isinstance(t, torch.Tensor):
        return [float(v) for v in t.detach().reshape(-1).tolist()]
    return t


def recorded(a):
    """A print argument as the fixture keeps it: a tensor as its values and its printed form, a
    tuple (torch.Size) as a list, a module or graph node as its printed form."""
    if isinstance(a, torch.Tensor):
        return {'tensor': values(a), 'str': str(a)}
    if isinstance(a, tuple):
        return list(a)
    if a is None or isinstance(a, (bool, int, float, str, list)):
        return a
    return str(a)


class Recorder:
    """Stands in for print: keeps each call's arguments (see recorded)."""

    def __init__(self):
        self.printed = []

    def __call__(self, *args):
        print(*args)
        self.printed.append([recorded(a) for a in args])


def named_values(named):
    return {name: values(t) for name, t in named}


def packed(v):
    """A long list of starting values as base64 little-endian float32 (exact, and a third of
    the size of decimals)."""
    if isinstance(v, list) and len(v) > 64:
        return {'b64': base64.b64encode(struct.pack('<%df' % len(v), *v)).decode('ascii')}
    return v


def write(name, fixture):
    os.makedirs(OUT_DIR, exist_ok=True)
    fixture = dict(fixture, torch=torch.__version__)
    fixture['init'] = {k: packed(v) for k, v in fixture['init'].items()}
    path = os.path.join(OUT_DIR, name + '.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print('wrote', os.path.relpath(path, ROOT))


def formula_values(name, n):
    """Deterministic starting values for tensors too large for a fixture (a ResNet-18's 11.7M
    parameters): 0.1 * sin(0.37 k + s) for k < n, s the sum of the name's character codes mod
    97, computed in float64 and rounded to float32. test/helpers/examples.ts formulaValues
    computes the same."""
    s = sum(ord(ch) for ch in name) % 97
    k = torch.arange(n, dtype=torch.float64)
    return (0.1 * torch.sin(0.37 * k + s)).float()
